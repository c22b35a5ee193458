package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.Tier;

/**
 * Every case of one step of the lineage walk ({@link LineageWalk#step}), as a table: what the
 * lookup carries (hops, checkAll, best so far), what the replica holds (a value, a tombstone,
 * nothing), its tier, whether its lineage was rebuilt lately, n and k, and the step expected,
 * written as {@code answer <value> readmit <lineages>}, {@code not-found <tombstone>} or
 * {@code pass <tier>/<k> hops=… checkAll=… best=…}. Values are written {@code v<tick>@<tier>}.
 */
class LineageWalkStepTest {

    private static final Tier E = Tier.EXPANSION;
    private static final Tier A = Tier.AGING;
    private static final byte[] VALUE = {1};

    static Stream<Arguments> steps() {
        return Stream.of(
                // expansion: a value answers at once (the newest: every expansion replica gets every write)
                row("expansion hit, first lineage asked", walk(0, false, null), value(5, E), E, false, 2, 0,
                        "answer v5@expansion readmit []"),
                row("expansion hit readmitted to the lineage asked before", walk(1, false, null), value(5, E), E, false, 2, 1,
                        "answer v5@expansion readmit [0]"),
                row("expansion hit, n = 3, two lineages asked before", walk(2, false, null), value(5, E), E, false, 3, 2,
                        "answer v5@expansion readmit [1, 0]"),
                row("expansion hit, n = 3, first lineage 1 wraps", walk(1, false, null), value(5, E), E, false, 3, 0,
                        "answer v5@expansion readmit [2]"),
                row("expansion hit older than the best carried answers the best", walk(1, true, found(7, A)), value(5, E), E, false,
                        2, 1, "answer v7@aging readmit [0]"),
                row("expansion hit newer than the best carried answers itself", walk(1, true, found(3, A)), value(5, E), E, false,
                        2, 1, "answer v5@expansion readmit [0]"),
                row("expansion hit, rebuilt lately, still answers at once", walk(0, false, null), value(5, E), E, true, 2, 0,
                        "answer v5@expansion readmit []"),
                // expansion: a miss goes to aging replica k of the same lineage
                row("expansion miss goes to its aging replica", walk(0, false, null), nothing(), E, false, 2, 0,
                        "pass aging/0 hops=0 checkAll=false best=none"),
                row("expansion miss, rebuilt lately: the aging hit must be checked", walk(0, false, null), nothing(), E, true, 2, 0,
                        "pass aging/0 hops=0 checkAll=true best=none"),
                row("expansion miss carries checkAll and best on", walk(1, true, found(4, A)), nothing(), E, false, 2, 1,
                        "pass aging/1 hops=1 checkAll=true best=v4@aging"),
                row("expansion miss, n = 1", walk(0, false, null), nothing(), E, false, 1, 0,
                        "pass aging/0 hops=0 checkAll=false best=none"),
                // aging: a hit answers at once unless some lineage on the way was rebuilt lately
                row("aging hit answered, readmitted to its own lineage", walk(0, false, null), value(5, A), A, false, 2, 0,
                        "answer v5@aging readmit [0]"),
                row("aging hit answered, readmitted to the lineages asked before too", walk(1, false, null), value(5, A), A, false,
                        2, 1, "answer v5@aging readmit [1, 0]"),
                row("aging hit, n = 3, third lineage", walk(2, false, null), value(5, A), A, false, 3, 2,
                        "answer v5@aging readmit [2, 1, 0]"),
                row("aging hit, n = 1", walk(0, false, null), value(5, A), A, false, 1, 0,
                        "answer v5@aging readmit [0]"),
                row("aging hit in a lineage rebuilt lately is carried on", walk(0, false, null), value(5, A), A, true, 2, 0,
                        "pass expansion/1 hops=1 checkAll=true best=v5@aging"),
                row("aging hit after a rebuilt lineage is carried on", walk(0, true, null), value(5, A), A, false, 3, 0,
                        "pass expansion/1 hops=1 checkAll=true best=v5@aging"),
                row("aging hit older than the best carried is dropped", walk(1, true, found(6, A)), value(5, A), A, false, 3, 1,
                        "pass expansion/2 hops=2 checkAll=true best=v6@aging"),
                // aging: a miss goes to the next lineage, or ends the walk
                row("aging miss goes to the next lineage", walk(0, false, null), nothing(), A, false, 2, 0,
                        "pass expansion/1 hops=1 checkAll=false best=none"),
                row("aging miss, n = 3, wraps to lineage 0", walk(1, false, null), nothing(), A, false, 3, 2,
                        "pass expansion/0 hops=2 checkAll=false best=none"),
                row("last lineage, nothing found anywhere", walk(1, false, null), nothing(), A, false, 2, 1,
                        "not-found 0"),
                row("last lineage, n = 1, nothing found", walk(0, false, null), nothing(), A, false, 1, 0,
                        "not-found 0"),
                row("last lineage, n = 3, nothing found", walk(2, true, null), nothing(), A, true, 3, 0,
                        "not-found 0"),
                row("last lineage answers the best carried, readmitted everywhere", walk(1, true, found(5, A)), nothing(), A, false,
                        2, 1, "answer v5@aging readmit [0, 1]"),
                row("last lineage, n = 3, best carried readmitted to all three", walk(2, true, found(5, A)), nothing(), A, false,
                        3, 1, "answer v5@aging readmit [0, 1, 2]"),
                row("last lineage, its hit newer than the best carried", walk(1, true, found(5, A)), value(7, A), A, false, 2, 1,
                        "answer v7@aging readmit [0, 1]"),
                row("last lineage, its hit older than the best carried", walk(1, true, found(5, A)), value(3, A), A, false, 2, 1,
                        "answer v5@aging readmit [0, 1]"),
                row("last lineage, rebuilt lately, answers its own hit", walk(1, false, null), value(5, A), A, true, 2, 1,
                        "answer v5@aging readmit [0, 1]"),
                // tombstones: any tombstone ends the walk (it is final, whatever was found on the way)
                row("tombstone in expansion, nothing found before", walk(0, false, null), tombstone(9), E, false, 2, 0,
                        "not-found " + tick(9)),
                row("tombstone in aging, nothing found before", walk(0, false, null), tombstone(9), A, false, 2, 0,
                        "not-found " + tick(9)),
                row("tombstone outranking the best carried", walk(1, true, found(5, A)), tombstone(9), E, false, 2, 1,
                        "not-found " + tick(9)),
                row("tombstone of the same tick as the best carried outranks it, whatever the node bits",
                        walk(1, true, new EdgeCommand.Found(1, "session", VALUE, tick(5) + 2, 0, 0, A)),
                        new LineageWalk.Held(null, tick(5) + 1), A, false, 2, 1, "not-found " + (tick(5) + 1)),
                // bug (issue 19): a tombstone older than a value found elsewhere let the walk answer the value
                row("tombstone older than the best carried ends the walk", walk(0, true, found(5, A)), tombstone(3), A, false,
                        3, 1, "not-found " + tick(3)),
                row("tombstone older than the best carried, last lineage", walk(1, true, found(5, A)), tombstone(3), A, false, 2, 1,
                        "not-found " + tick(3)),
                row("tombstone older than a value in transit, nothing carried", walk(0, false, null),
                        new LineageWalk.Held(found(7, E), tick(3)), E, false, 2, 0, "not-found " + tick(3)),
                row("tombstone older than the best carried, a newer value in transit", walk(1, true, found(5, A)),
                        new LineageWalk.Held(found(7, E), tick(3)), E, false, 2, 1, "not-found " + tick(3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("steps")
    void eachStepIsAsTheTableSays(String name, LineageWalk.Walk walk, LineageWalk.Held held, Tier tier, boolean rebuiltLately, int replicas, int replica,
              String expected) {
        assertEquals(expected, describe(LineageWalk.step(walk, held, tier, rebuiltLately, replicas, replica)), name);
    }

    @Test
    void aLookupNeverWalksTheHostOrRelayTables() {
        for (Tier tier : new Tier[] {Tier.L1, Tier.L2}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LineageWalk.step(walk(0, false, null), nothing(), tier, false, 2, 0));
            assertEquals("tier=" + tier + ": a lookup walks the relief tiers only", e.getMessage());
        }
    }

    private static Arguments row(String name, LineageWalk.Walk walk, LineageWalk.Held held, Tier tier, boolean rebuiltLately,
                                  int replicas, int replica, String expected) {
        return Arguments.of(name, walk, held, tier, rebuiltLately, replicas, replica, expected);
    }

    /** The version of hybrid clock tick {@code t} (node bits 0). */
    private static long tick(long t) {
        return t << 8;
    }

    private static EdgeCommand.Found found(long tick, Tier tier) {
        return new EdgeCommand.Found(1, "session", VALUE, tick(tick), 0, 0, tier);
    }

    private static LineageWalk.Walk walk(int hops, boolean checkAll, EdgeCommand.Found best) {
        return new LineageWalk.Walk(hops, checkAll, best);
    }

    private static LineageWalk.Held value(long tick, Tier tier) {
        return new LineageWalk.Held(found(tick, tier), 0);
    }

    private static LineageWalk.Held tombstone(long tick) {
        return new LineageWalk.Held(null, tick(tick));
    }

    private static LineageWalk.Held nothing() {
        return LineageWalk.Held.NOTHING;
    }

    private static String describe(EdgeCommand.Found found) {
        return found == null ? "none" : "v" + (found.version() >> 8) + "@" + found.tier().id();
    }

    private static String describe(LineageWalk.Step step) {
        if (step instanceof LineageWalk.Answer answer) {
            return "answer " + describe(answer.found()) + " readmit "
                    + answer.readmitTo().stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
        } else if (step instanceof LineageWalk.NotFound notFound) {
            return "not-found " + notFound.tombstoneVersion();
        } else if (step instanceof LineageWalk.PassOn pass) {
            return "pass " + pass.tier().id() + "/" + pass.replica() + " hops=" + pass.walk().hops() + " checkAll="
                    + pass.walk().checkAll() + " best=" + describe(pass.walk().best());
        }
        throw new AssertionError("unknown step " + step);
    }
}
