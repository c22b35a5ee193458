package org.globalsessions.actors.relief;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import org.globalsessions.actors.relief.PlacementNotices.Level;
import org.globalsessions.actors.relief.PlacementNotices.Notice;

/**
 * Replicas sharing nodes are said once per tier and condition. Regression: {@code up} printed
 * "replicas share nodes, and losing a node loses sessions" as WARN four times on every start, once
 * per entity type (issue 23), although one JVM holding every role is the deployment it asked for.
 */
class PlacementNoticesTest {

    private final PlacementNotices notices = new PlacementNotices();

    private Optional<Level> observe(String tier, int replica, int nodes, boolean alone) {
        return notices.observe(tier, replica, 2, nodes, alone).map(Notice::level);
    }

    @Test
    void aDegradedTierOfAClusterIsWarnedOnceForAllItsReplicasAndItsRecoveryIsSaid() {
        assertEquals(Optional.of(Level.WARN), observe("relief-aging", 0, 1, false));
        assertEquals(Optional.empty(), observe("relief-aging", 1, 1, false), "the other replica's entity type says nothing");
        assertEquals(Optional.empty(), observe("relief-aging", 0, 1, false), "nor does the next shard");
        assertEquals(Optional.of(Level.WARN), observe("relief-expansion", 0, 1, false), "another tier is said on its own");

        assertEquals(Optional.empty(), observe("relief-aging", 0, 2, false), "one coordinator saw the node join, the other not yet");
        assertEquals(Optional.of(Level.INFO), observe("relief-aging", 1, 2, false));
        assertEquals(Optional.empty(), observe("relief-aging", 0, 3, false));

        assertEquals(Optional.of(Level.WARN), observe("relief-aging", 0, 1, false), "degraded again: said again");
    }

    @Test
    void theOnlyMemberOfAClusterSharingItsNodeIsNotAWarningUntilAnotherMemberJoins() {
        assertEquals(Optional.of(Level.DEBUG), observe("relief-expansion", 0, 1, true));
        assertEquals(Optional.empty(), observe("relief-expansion", 1, 1, true));
        // A relay joins the all-in-one node, but no relief node: now the tier is a cluster's degraded tier.
        assertEquals(Optional.of(Level.WARN), observe("relief-expansion", 0, 1, false));
    }

    @Test
    void aTierWithEnoughNodesFromTheStartSaysNothing() {
        assertEquals(Optional.empty(), observe("relief-expansion", 0, 2, false));
        assertEquals(Optional.empty(), observe("relief-expansion", 1, 3, false));
    }

    @Test
    void theWarningNamesTheTierTheNodesAndTheReplicas() {
        Notice warn = PlacementNotices.describe("relief-aging", 3, null, new PlacementNotices.Condition(2, false)).orElseThrow();
        assertEquals("relief-aging: 2 node(s) for 3 replicas of each shard: replicas share nodes, and losing a node loses "
                + "sessions (degraded until more relief-aging nodes join)", warn.text());
    }
}
