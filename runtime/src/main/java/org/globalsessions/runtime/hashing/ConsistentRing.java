package org.globalsessions.runtime.hashing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import net.openhft.hashing.LongHashFunction;

/**
 * Consistent hashing of keys onto members (relays), with virtual nodes so keys spread evenly
 * and only about 1/n of them move when a member joins or leaves. {@link #walk} lists the
 * members in ring order from a key's position: the first is its home, the rest are where it
 * fails over to, in a fixed order every client agrees on.
 *
 * <p>Immutable and thread-safe; build a new ring when membership changes.
 *
 * @param <M> member type; {@code toString()} of a member must identify it (its address)
 */
public final class ConsistentRing<M> {

    public static final int DEFAULT_VIRTUAL_NODES = 128;
    private static final LongHashFunction HASH = LongHashFunction.xx3(0x676c6f62616cL);

    private final TreeMap<Long, M> ring = new TreeMap<>();
    private final List<M> members;

    public ConsistentRing(Collection<M> members) {
        this(members, DEFAULT_VIRTUAL_NODES);
    }

    public ConsistentRing(Collection<M> members, int virtualNodes) {
        this.members = List.copyOf(members);
        for (M member : this.members) {
            for (int v = 0; v < virtualNodes; v++) {
                ring.put(HASH.hashBytes((member + "#" + v).getBytes(StandardCharsets.UTF_8)), member);
            }
        }
    }

    public List<M> members() {
        return members;
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    /** The member that owns {@code key}, or null if the ring is empty. */
    public M home(String key) {
        if (ring.isEmpty()) {
            return null;
        }
        Map.Entry<Long, M> entry = ring.ceilingEntry(HASH.hashBytes(key.getBytes(StandardCharsets.UTF_8)));
        return entry != null ? entry.getValue() : ring.firstEntry().getValue();
    }

    /**
     * The first member, in ring order from {@code key}, that passes {@code usable}; null if none.
     * It reads the ring in place, without listing the members as {@link #walk} does (this runs on
     * every request that leaves the host), so {@code usable} is asked once per virtual node it
     * passes, a member more than once: it must have no side effects.
     */
    public M first(String key, Predicate<M> usable) {
        if (ring.isEmpty()) {
            return null;
        }
        long position = HASH.hashBytes(key.getBytes(StandardCharsets.UTF_8));
        M found = firstOf(ring.tailMap(position, true).values(), usable);
        return found != null ? found : firstOf(ring.headMap(position, false).values(), usable);
    }

    private static <M> M firstOf(Collection<M> members, Predicate<M> usable) {
        for (M member : members) {
            if (usable.test(member)) {
                return member;
            }
        }
        return null;
    }

    /** Every member once, in ring order starting at {@code key}'s home. */
    public List<M> walk(String key) {
        List<M> order = new ArrayList<>(members.size());
        if (ring.isEmpty()) {
            return order;
        }
        long position = HASH.hashBytes(key.getBytes(StandardCharsets.UTF_8));
        for (M member : ring.tailMap(position, true).values()) {
            if (!order.contains(member)) {
                order.add(member);
                if (order.size() == members.size()) {
                    return order;
                }
            }
        }
        for (M member : ring.values()) {
            if (!order.contains(member)) {
                order.add(member);
                if (order.size() == members.size()) {
                    break;
                }
            }
        }
        return order;
    }
}
