package org.globalsessions.actors.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.globalsessions.runtime.protocol.Tier;

/**
 * The meters of a server node: what its relay and its relief shards do. Counters are
 * thread-safe; gauges read the shards' sizes when scraped (a plain read of an int another
 * thread writes: a scrape may be one operation behind).
 */
public final class NodeMetrics {

    private final MeterRegistry registry;
    private final Map<String, IntSupplier> expansionShards = new ConcurrentHashMap<>();
    private final Map<String, IntSupplier> agingShards = new ConcurrentHashMap<>();

    public NodeMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Tier tier : new Tier[] {Tier.EXPANSION, Tier.AGING}) {
            Map<String, IntSupplier> shards = shards(tier);
            Gauge.builder("global_sessions_relief_shards_hosted", shards, Map::size).tag("tier", tag(tier))
                    .description("relief shards (entities) this node hosts").register(registry);
            Gauge.builder("global_sessions_relief_entries", shards, s -> s.values().stream().mapToInt(IntSupplier::getAsInt).sum())
                    .tag("tier", tag(tier)).description("sessions held by this node's shards").register(registry);
        }
    }

    /** Meters nobody reads (tests, embedded use without a registry). */
    public static NodeMetrics unregistered() {
        return new NodeMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    // ---- relief shards ------------------------------------------------------------------------

    public void shardStarted(Tier tier, String entityId, IntSupplier size) {
        shards(tier).put(entityId, size);
    }

    public void shardStopped(Tier tier, String entityId) {
        shards(tier).remove(entityId);
    }

    /** A lookup at a relief tier: {@code result} is hit, miss or deleted. */
    public void lookup(Tier tier, String result) {
        Counter.builder("global_sessions_relief_lookups").tag("tier", tag(tier)).tag("result", result)
                .description("lookups at the relief tiers by result").register(registry).increment();
    }

    public void write(Tier tier, boolean stored) {
        Counter.builder("global_sessions_relief_writes").tag("tier", tag(tier)).tag("outcome", stored ? "stored" : "refused")
                .description("writes at the relief tiers").register(registry).increment();
    }

    public void evictions(Tier tier, int count) {
        if (count > 0) {
            Counter.builder("global_sessions_relief_evictions").tag("tier", tag(tier))
                    .description("sessions the tier's LRU evicted (expansion: handed to aging)").register(registry).increment(count);
        }
    }

    public void expirations(Tier tier, int count) {
        if (count > 0) {
            Counter.builder("global_sessions_relief_expirations").tag("tier", tag(tier))
                    .description("sessions that expired in the tier").register(registry).increment(count);
        }
    }

    // ---- relay --------------------------------------------------------------------------------

    /** A request at the relay: get_l2 (answered from L2), get_forwarded, put, delete, touch. */
    public void relayRequest(String type) {
        Counter.builder("global_sessions_relay_requests").tag("type", type)
                .description("requests a relay received, by what it did").register(registry).increment();
    }

    public void deleteDone(boolean acknowledged, long startNanos) {
        Timer.builder("global_sessions_relay_delete").tag("outcome", acknowledged ? "acknowledged" : "failed")
                .publishPercentileHistogram().description("delete coordination: owners, peers and edges")
                .register(registry).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    public void invalidationStragglers(int count) {
        Counter.builder("global_sessions_relay_invalidation_stragglers")
                .description("peers and edges that did not confirm an invalidation in time").register(registry).increment(count);
    }

    private Map<String, IntSupplier> shards(Tier tier) {
        return tier == Tier.EXPANSION ? expansionShards : agingShards;
    }

    private static String tag(Tier tier) {
        return tier.name().toLowerCase();
    }
}
