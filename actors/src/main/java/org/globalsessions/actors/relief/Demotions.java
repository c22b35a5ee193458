package org.globalsessions.actors.relief;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The entries an expansion replica evicted and handed to its aging replica, kept until the aging
 * replica confirms them: while a demotion travels it is the only copy of its session in the
 * lineage. At most {@code window} are unconfirmed at a time, one unconfirmed for
 * {@code redeliverAfterMillis} is sent again, and the replica is {@link #backlogged} (holds new
 * writes) while half of {@code max} wait for an aging replica that answers; beyond {@code max} the
 * oldest are given up. See {@code docs/relief-replication.md}, "Demotions are delivered, not just
 * sent".
 *
 * <p>Not thread-safe: owned by one actor.
 */
final class Demotions implements ReplicaCore.InTransit {

    /** A demotion to send: {@code seq} comes back in the confirmation. */
    record Outgoing(String key, ReliefStore.Item item, long seq) {
    }

    private static final class Entry {
        final ReliefStore.Item item;
        final long seq;
        long sentAt; // 0: waiting for a place in the window

        Entry(ReliefStore.Item item, long seq) {
            this.item = item;
            this.seq = seq;
        }
    }

    private final int window;
    private final int max;
    private final long redeliverAfterMillis;
    /** Every entry, oldest first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    /** Keys waiting to be sent, in order (may hold keys since dropped or sent: skipped when polled). */
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
    private int unconfirmed;
    private long lastSeq;
    /** When the aging replica last confirmed anything (0: never). */
    private long lastHeardAt;

    Demotions(int window, int max, long redeliverAfterMillis) {
        this.window = window;
        this.max = max;
        this.redeliverAfterMillis = redeliverAfterMillis;
    }

    /**
     * Keeps an evicted entry (replacing an older demotion of the same key) until confirmed.
     *
     * @return how many of the oldest entries were given up to stay within {@code max}
     */
    int add(String key, ReliefStore.Item item) {
        remove(key);
        entries.put(key, new Entry(item, ++lastSeq));
        waiting.add(key);
        int givenUp = 0;
        while (entries.size() > max) {
            remove(entries.keySet().iterator().next());
            givenUp++;
        }
        if (waiting.size() > 2 * max) {
            waiting.removeIf(k -> {
                Entry e = entries.get(k);
                return e == null || e.sentAt != 0;
            });
        }
        return givenUp;
    }

    /** Forgets the demotion of {@code key} (written again, or deleted here). */
    void remove(String key) {
        Entry e = entries.remove(key);
        if (e != null && e.sentAt != 0) {
            unconfirmed--;
        }
    }

    /** The aging replica has demotion {@code seq} of {@code key} (at {@code now}); false if it was not the current one. */
    boolean confirm(String key, long seq, long now) {
        lastHeardAt = now;
        Entry e = entries.get(key);
        if (e == null || e.seq != seq) {
            return false;
        }
        remove(key);
        return true;
    }

    @Override
    public ReliefStore.Item get(String key, long now) {
        Entry e = entries.get(key);
        return e != null && now < e.item.expiresAt() ? e.item : null;
    }

    /** Waiting entries for which the window has room, marked sent at {@code now}. */
    List<Outgoing> sendable(long now) {
        List<Outgoing> out = new ArrayList<>();
        while (unconfirmed < window && !waiting.isEmpty()) {
            String key = waiting.poll();
            Entry e = entries.get(key);
            if (e != null && e.sentAt == 0) {
                e.sentAt = now;
                unconfirmed++;
                out.add(new Outgoing(key, e.item, e.seq));
            }
        }
        return out;
    }

    /** Sent entries unconfirmed for {@code redeliverAfterMillis}, marked sent again; expired entries are dropped. */
    List<Outgoing> overdue(long now) {
        List<Outgoing> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> me = it.next();
            Entry e = me.getValue();
            if (now >= e.item.expiresAt()) {
                it.remove();
                if (e.sentAt != 0) {
                    unconfirmed--;
                }
            } else if (e.sentAt != 0 && now - e.sentAt >= redeliverAfterMillis) {
                e.sentAt = now;
                out.add(new Outgoing(me.getKey(), e.item, e.seq));
            }
        }
        return out;
    }

    @Override
    public void forEach(BiConsumer<String, ReliefStore.Item> action, long now) {
        entries.forEach((key, e) -> {
            if (now < e.item.expiresAt()) {
                action.accept(key, e.item);
            }
        });
    }

    int size() {
        return entries.size();
    }

    /** Whether new writes should wait: half of {@code max} entries wait and the aging replica is answering. */
    boolean backlogged(long now) {
        return entries.size() >= max / 2 && lastHeardAt != 0 && now - lastHeardAt < 3 * redeliverAfterMillis;
    }

    int unconfirmed() {
        return unconfirmed;
    }
}
