package org.globalsessions.actors.relief;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.Principals;

/**
 * The principal index of one expansion replica: per principal, a set of session ids, each with
 * when it logged in and until when it is indexed. See {@code docs/relief-replication.md}, "The
 * principal index".
 *
 * <h2>Set operations, applied by one actor</h2>
 * An add or a remove changes one member of one principal's set, so two logins on two hosts
 * (two adds, in either order, each applied whole by the replica's actor) both stay: there is no
 * read-modify-write of the set by a client. Merging a copied record is a union, keeping of one
 * session the later expiry. Every replica of the shard applies every add and remove, and the
 * client waits for each replica's acknowledgement, as for a write.
 *
 * <h2>Expiry</h2>
 * An entry expires at the instant its add named (the session's latest possible end, e.g. its
 * absolute lifetime), at most {@code relief.max-session-ttl} after it arrived; {@link #sweep}
 * drops expired entries and empty records. An entry is not a session: a session logged out
 * without a remove (or a late add after one) leaves an entry behind until it expires, and the
 * client drops, when it lists, every id whose session no tier holds, so the index never brings a
 * deleted session back. A removed entry may come back by a copy from another replica (a union),
 * with the same result.
 *
 * <p>Not thread-safe: owned by one replica's actor.
 */
final class PrincipalIndex {

    /** One indexed session. */
    record Entry(long sinceMillis, long expiresAtMillis) {
    }

    private final Map<String, LinkedHashMap<String, Entry>> records = new HashMap<>();
    private final int maxSessions;

    PrincipalIndex(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    /**
     * Adds {@code sessionId} to {@code principal}'s set (again: the later expiry is kept).
     *
     * @return null if added, else why it was refused: the principal holds {@code maxSessions} live sessions
     */
    String add(String principal, String sessionId, Entry entry, long now) {
        LinkedHashMap<String, Entry> sessions = live(principal, now);
        Entry held = sessions == null ? null : sessions.get(sessionId);
        if (held == null && sessions != null && sessions.size() >= maxSessions) {
            return "principal index: the principal holds " + sessions.size() + " indexed sessions, the most one principal may "
                    + "have (" + maxSessions + "); the add is refused";
        }
        records.computeIfAbsent(principal, p -> new LinkedHashMap<>()).put(sessionId, merged(held, entry));
        return null;
    }

    /** Removes {@code sessionIds} from {@code principal}'s set; the record goes once it is empty. */
    void remove(String principal, List<String> sessionIds) {
        LinkedHashMap<String, Entry> sessions = records.get(principal);
        if (sessions != null) {
            sessionIds.forEach(sessions::remove);
            if (sessions.isEmpty()) {
                records.remove(principal);
            }
        }
    }

    /** {@code principal}'s live sessions, oldest login first. */
    List<EdgeCommand.IndexEntry> list(String principal, long now) {
        LinkedHashMap<String, Entry> sessions = live(principal, now);
        if (sessions == null) {
            return List.of();
        }
        List<EdgeCommand.IndexEntry> out = new ArrayList<>(sessions.size());
        sessions.forEach((id, e) -> out.add(new EdgeCommand.IndexEntry(id, e.sinceMillis(), e.expiresAtMillis())));
        out.sort(Comparator.comparingLong(EdgeCommand.IndexEntry::sinceMillis));
        return out;
    }

    /** Merges an entry copied from another replica: a union; of one session the later expiry and the earlier login. */
    void merge(String principal, String sessionId, Entry entry, long now) {
        if (now < entry.expiresAtMillis()) {
            LinkedHashMap<String, Entry> sessions = records.computeIfAbsent(principal, p -> new LinkedHashMap<>());
            sessions.put(sessionId, merged(sessions.get(sessionId), entry));
        }
    }

    /** Every live entry, for copying the shard to a replica or its next home. */
    void forEach(EntryConsumer action, long now) {
        records.forEach((principal, sessions) -> sessions.forEach((id, e) -> {
            if (now < e.expiresAtMillis()) {
                action.accept(principal, id, e);
            }
        }));
    }

    /** Drops expired entries and emptied records; returns how many entries expired. */
    int sweep(long now) {
        int expired = 0;
        for (Iterator<LinkedHashMap<String, Entry>> i = records.values().iterator(); i.hasNext(); ) {
            LinkedHashMap<String, Entry> sessions = i.next();
            int before = sessions.size();
            sessions.values().removeIf(e -> now >= e.expiresAtMillis());
            expired += before - sessions.size();
            if (sessions.isEmpty()) {
                i.remove();
            }
        }
        return expired;
    }

    /** Indexed sessions (of every principal), expired ones not yet swept included. */
    int size() {
        int n = 0;
        for (Map<String, Entry> sessions : records.values()) {
            n += sessions.size();
        }
        return n;
    }

    /** The key a copied entry travels under in a {@code SyncEntry}: never a session's ({@link Principals#indexKey}). */
    static String syncKey(String principal, String sessionId) {
        return Principals.indexKey(principal) + '\u0000' + sessionId;
    }

    /** The principal and the session id of a {@link #syncKey}; null if {@code key} is not one. */
    static String[] ofSyncKey(String key) {
        if (!Principals.isIndexKey(key)) {
            return null;
        }
        String rest = Principals.principalOf(key);
        int nul = rest.lastIndexOf('\u0000');
        return nul < 0 ? null : new String[] {rest.substring(0, nul), rest.substring(nul + 1)};
    }

    @FunctionalInterface
    interface EntryConsumer {
        void accept(String principal, String sessionId, Entry entry);
    }

    private LinkedHashMap<String, Entry> live(String principal, long now) {
        LinkedHashMap<String, Entry> sessions = records.get(principal);
        if (sessions != null) {
            sessions.values().removeIf(e -> now >= e.expiresAtMillis());
            if (sessions.isEmpty()) {
                records.remove(principal);
                return null;
            }
        }
        return sessions;
    }

    private static Entry merged(Entry held, Entry entry) {
        return held == null ? entry : new Entry(Math.min(held.sinceMillis(), entry.sinceMillis()),
                Math.max(held.expiresAtMillis(), entry.expiresAtMillis()));
    }
}
