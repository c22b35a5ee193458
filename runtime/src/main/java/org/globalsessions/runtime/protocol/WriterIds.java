package org.globalsessions.runtime.protocol;

import java.time.Duration;

/**
 * Writer ids: the node part of a {@link HybridClock} version, unique among the writers of a
 * cluster at any one time, so no two writers stamp the same version.
 *
 * <pre>
 *  13          8 7                0
 *  +------------+-----------------+
 *  | slot (6)   |  edge (8)       |
 *  +------------+-----------------+
 * </pre>
 *
 * <h2>How ids are handed out</h2>
 * <ol>
 *   <li>A cluster singleton on the relay role leases each relay one of 64 <b>slots</b>
 *   and records every grant in Distributed Data (written to a majority before it is answered), so
 *   a singleton that starts elsewhere after a crash or a partition knows which slots are taken.
 *   A relay renews its slot every second; its lease runs {@link #SLOT_LEASE} from when it sent
 *   the claim, by its own clock.</li>
 *   <li>While its slot lease holds, a relay gives each subscribed edge one of 256
 *   <b>edge ids</b> in its {@code Welcome}. The edge may stamp with {@code slot << 8 | edge} until
 *   {@link #EDGE_LEASE} after it sent the heartbeat that welcome answers, by its own clock; every
 *   welcome renews it. An edge with ids from several relays stamps with any one still held.</li>
 *   <li>A relay frees an edge id {@link #EDGE_FREE_AFTER} after that edge's last heartbeat
 *   reached it; the singleton frees a slot {@link #SLOT_FREE_AFTER} after its last renewal. Both
 *   exceed the leases they end by a margin, and a relay renews edge ids only while it holds its
 *   slot, so an id is reused only after every process that held it has stopped stamping with it.</li>
 * </ol>
 * An edge without a writer id (no relay welcomed it lately) waits for one before it writes, up
 * to its request timeout, then fails the write as unavailable.
 */
public final class WriterIds {

    /** Bits of the slot part: how many relays can hold writer ids at once. */
    public static final int SLOT_BITS = 6;
    /** Bits of the edge part: how many edges one relay can give writer ids to at once. */
    public static final int EDGE_BITS = Integer.numberOfTrailingZeros(HybridClock.NODES) - SLOT_BITS;
    public static final int SLOTS = 1 << SLOT_BITS;
    public static final int EDGES_PER_SLOT = 1 << EDGE_BITS;

    /** How long an edge may stamp with an id after the heartbeat a welcome with it answered. */
    public static final Duration EDGE_LEASE = Duration.ofSeconds(3);
    /** How long after an edge's last heartbeat its relay gives the id to another edge. */
    public static final Duration EDGE_FREE_AFTER = EDGE_LEASE.plusSeconds(1);
    /**
     * How long a relay holds its slot after it sent the claim the singleton granted: longer than
     * the singleton takes to start on another relay when its node crashes (detection, the split
     * brain resolver's 7 s, removal), so the other relays' edges go on writing meanwhile.
     */
    public static final Duration SLOT_LEASE = Duration.ofSeconds(30);
    /** How often a relay renews its slot (and claims one while it has none). */
    public static final Duration SLOT_RENEW_INTERVAL = Duration.ofSeconds(1);
    /**
     * How long after a slot's last renewal the singleton leases it to another relay: past the
     * relay's own lease, and past the edge leases the relay renewed while it held its own.
     */
    public static final Duration SLOT_FREE_AFTER = SLOT_LEASE.plus(EDGE_FREE_AFTER).plusSeconds(1);

    /** No writer id (in a {@code Welcome}: the relay holds no slot, or has no edge id left). */
    public static final int NONE = -1;

    private WriterIds() {
    }

    /** The writer id of edge {@code edge} of slot {@code slot}. */
    public static int of(int slot, int edge) {
        if (slot < 0 || slot >= SLOTS || edge < 0 || edge >= EDGES_PER_SLOT) {
            throw new IllegalArgumentException("slot=" + slot + " edge=" + edge + " out of range");
        }
        return slot << EDGE_BITS | edge;
    }

    /** The slot part of writer id {@code id}. */
    public static int slotOf(int id) {
        return id >>> EDGE_BITS;
    }
}
