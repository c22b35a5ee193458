package org.globalsessions.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.protocol.Tier;

class NodeMetricsTest {

    /** The per-request counters are found by their tag values, and each combination counts on its own. */
    @Test
    void perRequestCountersCountUnderTheirTags() {
        MeterRegistry registry = new SimpleMeterRegistry();
        NodeMetrics metrics = new NodeMetrics(registry);
        metrics.relayRequest("get_l2");
        metrics.relayRequest("get_l2");
        metrics.relayRequest("put");
        metrics.lookup(Tier.EXPANSION, "hit");
        metrics.lookup(Tier.EXPANSION, "hit");
        metrics.lookup(Tier.EXPANSION, "miss");
        metrics.lookup(Tier.AGING, "hit");
        metrics.write(Tier.EXPANSION, true);
        metrics.write(Tier.AGING, false);

        assertEquals(2, registry.get("global_sessions_relay_requests").tag("type", "get_l2").counter().count());
        assertEquals(1, registry.get("global_sessions_relay_requests").tag("type", "put").counter().count());
        assertEquals(2, registry.get("global_sessions_relief_lookups").tags("tier", "expansion", "result", "hit").counter().count());
        assertEquals(1, registry.get("global_sessions_relief_lookups").tags("tier", "expansion", "result", "miss").counter().count());
        assertEquals(1, registry.get("global_sessions_relief_lookups").tags("tier", "aging", "result", "hit").counter().count());
        assertEquals(1, registry.get("global_sessions_relief_writes").tags("tier", "expansion", "outcome", "stored").counter().count());
        assertEquals(1, registry.get("global_sessions_relief_writes").tags("tier", "aging", "outcome", "refused").counter().count());
        assertEquals(0, registry.find("global_sessions_relief_writes").tags("tier", "expansion", "outcome", "refused").counters().size());
    }
}
