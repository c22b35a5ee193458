package org.globalsessions.actors.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;

/** {@link NodeHealth}'s readiness as a function of what the node knows, case by case. */
class NodeHealthTest {

    private static GlobalSessionsSettings roles(String... roles) {
        return SettingsReader.read(ConfigFactory.parseMap(Map.of(GlobalSessionsSettings.ROOT + ".roles", List.of(roles),
                GlobalSessionsSettings.ROOT + ".tls.enabled", false)), "test");
    }

    private static List<String> problems(GlobalSessionsSettings settings, MemberStatus self, int members, int unreachable,
                                         List<String> unregistered, boolean table, boolean attached) {
        return NodeHealth.problems(new NodeHealth.Facts(settings, self, members, unreachable, unregistered, table, attached));
    }

    @Test
    void anUpReliefNodeWithRegisteredRegionsIsReady() {
        assertEquals(List.of(), problems(roles("relief-expansion"), MemberStatus.up(), 3, 0, List.of(), false, false));
    }

    @Test
    void aRelayHostIsReadyWithItsTableOpenAndItsSiblingAttached() {
        assertEquals(List.of(), problems(roles("relay", "sibling"), MemberStatus.up(), 3, 1, List.of(), true, true));
        assertEquals(List.of("sibling: not attached to the relay's L2 table yet"),
                problems(roles("relay", "sibling"), MemberStatus.up(), 3, 0, List.of(), true, false));
        assertEquals(List.of("relay: its L2 table is not open or not usable (see the log)"),
                problems(roles("relay"), MemberStatus.up(), 3, 0, List.of(), false, false));
    }

    @Test
    void aNodeBeforeItsRolesStartIsNotReady() {
        assertEquals(List.of("node: its roles have not started yet"),
                problems(null, MemberStatus.joining(), 1, 0, List.of(), false, false));
    }

    @Test
    void aMemberThatIsNotUpIsNotReady() {
        assertEquals(List.of("membership: this node is Joining, not Up"),
                problems(roles("relief-aging"), MemberStatus.joining(), 2, 0, List.of(), false, false));
        assertEquals(List.of("membership: this node is Leaving, not Up"),
                problems(roles("relief-aging"), MemberStatus.leaving(), 2, 0, List.of(), false, false));
    }

    @Test
    void aNodeThatReachesNoMajorityIsNotReady() {
        String minority = "reachability: this node reaches 1 of 3 members, not a majority (the split brain resolver may down it)";
        assertEquals(List.of(minority), problems(roles("relief-aging"), MemberStatus.up(), 3, 2, List.of(), false, false));
        assertEquals(1, problems(roles("relief-aging"), MemberStatus.up(), 2, 1, List.of(), false, false).size(),
                "half is not a majority");
        assertEquals(List.of(), problems(roles("relief-aging"), MemberStatus.up(), 1, 0, List.of(), false, false),
                "a cluster of one");
    }

    @Test
    void aReliefNodeWhoseRegionsAreNotRegisteredIsNotReady() {
        assertEquals(List.of("sharding: relief-aging-1 has no shard region on this node registered with its coordinator yet"),
                problems(roles("relief-aging"), MemberStatus.up(), 3, 0, List.of("relief-aging-1"), false, false));
    }

    @Test
    void theReliefTypesOfANodeAreThoseOfItsRoles() {
        assertEquals(List.of("relief-expansion-0", "relief-aging-0", "relief-expansion-1", "relief-aging-1"),
                names(roles("relief-expansion", "relief-aging")));
        assertEquals(List.of("relief-aging-0", "relief-aging-1"), names(roles("relief-aging")));
        assertEquals(List.of(), names(roles("relay", "sibling")));
    }

    private static List<String> names(GlobalSessionsSettings settings) {
        return NodeHealth.reliefTypes(settings).stream().map(EntityTypeKey::name).toList();
    }
}
