package org.globalsessions.actors.relief;

import java.util.ArrayList;
import java.util.List;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * One step of a lookup's walk through a shard's lineages, as a function: given what the lookup
 * carries, what the replica it reached holds, and where that replica is, it says whether to
 * answer (and which lineages to readmit the value to), to answer "not found", or to pass the
 * lookup on. The replica only applies the result. The algorithm and why it is so: {@code
 * docs/relief-replication.md}, "The lineage walk".
 *
 * <p>Pure and stateless.
 */
final class LineageWalk {

    private LineageWalk() {
    }

    /**
     * What a lookup carries: {@code hops}, the lineages asked before this one; {@code checkAll},
     * whether an aging hit must be checked against the other lineages; {@code best}, the newest
     * value found so far (null: none).
     */
    record Walk(int hops, boolean checkAll, EdgeCommand.Found best) {
    }

    /**
     * What a replica holds for the key: {@code value}, the session (stored, or on its way to the
     * aging tier; null: none); {@code tombstoneVersion}, the tombstone in force when no value is
     * stored (0: none).
     */
    record Held(EdgeCommand.Found value, long tombstoneVersion) {

        static final Held NOTHING = new Held(null, 0);
    }

    /** What the replica does with the lookup. */
    sealed interface Step {
    }

    /** Answer {@code found}, and readmit it to the expansion replicas of the lineages {@code readmitTo}. */
    record Answer(EdgeCommand.Found found, List<Integer> readmitTo) implements Step {
    }

    /** Answer that no such session exists ({@code tombstoneVersion}: the delete's version, 0 if none is known). */
    record NotFound(long tombstoneVersion) implements Step {
    }

    /** Pass the lookup to replica {@code replica} of {@code tier}, carrying {@code walk}. */
    record PassOn(Tier tier, int replica, Walk walk) implements Step {
    }

    /**
     * The step of a lookup carrying {@code walk} at replica {@code replica} of {@code replicas} in
     * {@code tier}, which holds {@code held}; {@code rebuiltLately}: whether that replica was
     * rebuilt from its next replica within the last aging TTL.
     * <ul>
     * <li>A tombstone answers "not found", whatever was found so far (a tombstone is final).
     * <li>Expansion: a value answers at once (every expansion replica gets every write, so it is
     * the newest), readmitted to the lineages asked before; else on to aging replica k.
     * <li>Aging: a value answers at once, readmitted to this lineage and those asked before,
     * unless some lineage on the way was rebuilt lately; then, and on a miss, on to expansion
     * replica k+1. After the last lineage the newest value found answers, readmitted to every
     * lineage, or "not found".
     * </ul>
     *
     * @throws IllegalArgumentException if {@code tier} is not a relief tier
     */
    static Step step(Walk walk, Held held, Tier tier, boolean rebuiltLately, int replicas, int replica) {
        EdgeCommand.Found best = walk.best();
        long tombstone = held.tombstoneVersion();
        if (tombstone != 0) { // a tombstone is final: whatever was found on the way is of a deleted id
            return new NotFound(tombstone);
        }
        EdgeCommand.Found here = held.value();
        EdgeCommand.Found newest = best == null || (here != null && here.version() > best.version()) ? here : best;
        boolean checkAll = walk.checkAll() || rebuiltLately;
        switch (tier) {
            case EXPANSION:
                if (here != null) {
                    return new Answer(newest, askedBefore(walk.hops(), replicas, replica, new ArrayList<>()));
                }
                return new PassOn(Tier.AGING, replica, new Walk(walk.hops(), checkAll, newest));
            case AGING:
                if (here != null && !checkAll) { // (a value is carried only once some lineage asked for checks)
                    List<Integer> readmit = new ArrayList<>();
                    readmit.add(replica);
                    return new Answer(here, askedBefore(walk.hops(), replicas, replica, readmit));
                }
                if (walk.hops() + 1 < replicas) {
                    return new PassOn(Tier.EXPANSION, (replica + 1) % replicas, new Walk(walk.hops() + 1, checkAll, newest));
                }
                if (newest != null) {
                    List<Integer> every = new ArrayList<>();
                    for (int k = 0; k < replicas; k++) {
                        every.add(k);
                    }
                    return new Answer(newest, every);
                }
                return new NotFound(0);
            default:
                throw new IllegalArgumentException("tier=" + tier + ": a lookup walks the relief tiers only");
        }
    }

    /** Adds the lineages a lookup that made {@code hops} hops asked before reaching {@code replica}, nearest first. */
    private static List<Integer> askedBefore(int hops, int replicas, int replica, List<Integer> to) {
        for (int missed = 1; missed <= Math.min(hops, replicas - 1); missed++) {
            to.add(Math.floorMod(replica - missed, replicas));
        }
        return List.copyOf(to);
    }
}
