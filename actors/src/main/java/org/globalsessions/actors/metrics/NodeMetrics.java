package org.globalsessions.actors.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
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

    /** What a hosted shard replica reports when scraped: its sessions and its tombstones. */
    private record Shard(IntSupplier size, IntSupplier tombstones, LongSupplier bytes) {
    }

    private final MeterRegistry registry;
    private final Map<String, Shard> expansionShards = new ConcurrentHashMap<>();
    private final Map<String, Shard> agingShards = new ConcurrentHashMap<>();
    private final Map<String, Meter> meters = new ConcurrentHashMap<>();
    /** The counters counted on every request, found by their tag values without building a key. */
    private final Tagged relayRequests = new Tagged("global_sessions_relay_requests", "requests a relay received, by what it did",
            "type", null);
    private final Tagged lookups = new Tagged("global_sessions_relief_lookups", "lookups at the relief tiers by result", "tier", "result");
    private final Tagged writes = new Tagged("global_sessions_relief_writes", "writes at the relief tiers", "tier", "outcome");

    public NodeMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Tier tier : new Tier[] {Tier.EXPANSION, Tier.AGING}) {
            Map<String, Shard> shards = shards(tier);
            Gauge.builder("global_sessions_relief_shards_hosted", shards, Map::size).tag("tier", tag(tier))
                    .description("relief shards (entities) this node hosts").register(registry);
            Gauge.builder("global_sessions_relief_entries", shards, s -> s.values().stream().mapToInt(r -> r.size().getAsInt()).sum())
                    .tag("tier", tag(tier)).description("sessions held by this node's shards").register(registry);
            Gauge.builder("global_sessions_relief_bytes", shards, s -> s.values().stream().mapToLong(r -> r.bytes().getAsLong()).sum())
                    .tag("tier", tag(tier)).description("bytes the sessions of this node's shards take (keys, values, ~96 per entry)")
                    .register(registry);
            Gauge.builder("global_sessions_relief_tombstones", shards,
                            s -> s.values().stream().mapToInt(r -> r.tombstones().getAsInt()).sum())
                    .tag("tier", tag(tier)).description("tombstones held by this node's shards").register(registry);
            Gauge.builder("global_sessions_relief_tombstones_fullest_replica", shards,
                            s -> s.values().stream().mapToInt(r -> r.tombstones().getAsInt()).max().orElse(0))
                    .tag("tier", tag(tier)).description("tombstones of this node's fullest shard replica "
                            + "(deletes are refused at relief.tombstones-per-shard)").register(registry);
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

    public void shardStarted(Tier tier, String entityId, IntSupplier size, IntSupplier tombstones, LongSupplier bytes) {
        shards(tier).put(entityId, new Shard(size, tombstones, bytes));
    }

    /** A session refused (expansion) or dropped (aging) because it alone takes more than the shard's byte budget. */
    public void tooLarge(Tier tier) {
        counter("global_sessions_relief_too_large", "sessions larger than relief.<tier>.bytes-per-shard: refused or dropped",
                "tier", tag(tier)).increment();
    }

    /** A delete a shard replica refused: it holds relief.tombstones-per-shard tombstones. */
    public void deleteRefused(Tier tier) {
        counter("global_sessions_relief_deletes_refused", "deletes refused at the tombstone cap", "tier", tag(tier)).increment();
    }

    public void shardStopped(Tier tier, String entityId) {
        shards(tier).remove(entityId);
    }

    /** A lookup at a relief tier: {@code result} is hit, miss or deleted. */
    public void lookup(Tier tier, String result) {
        lookups.of(tag(tier), result).increment();
    }

    public void write(Tier tier, boolean stored) {
        writes.of(tag(tier), stored ? "stored" : "refused").increment();
    }

    public void evictions(Tier tier, int count) {
        if (count > 0) {
            counter("global_sessions_relief_evictions", "sessions the tier's LRU evicted (expansion: handed to aging)",
                    "tier", tag(tier)).increment(count);
        }
    }

    public void expirations(Tier tier, int count) {
        if (count > 0) {
            counter("global_sessions_relief_expirations", "sessions that expired in the tier", "tier", tag(tier)).increment(count);
        }
    }

    /** Demotions to the aging tier sent again because the aging replica had not confirmed them in time. */
    public void demotionsRedelivered(int count) {
        if (count > 0) {
            counter("global_sessions_relief_demotions_redelivered", "demotions to the aging tier sent again (unconfirmed after 3 s)")
                    .increment(count);
        }
    }

    /** Unconfirmed demotions given up because too many were waiting (the aging tier unreachable): sessions lost. */
    public void demotionsGivenUp(int count) {
        counter("global_sessions_relief_demotions_given_up", "unconfirmed demotions to the aging tier given up (sessions lost)")
                .increment(count);
    }

    // ---- relay --------------------------------------------------------------------------------

    /** A request at the relay: get_l2 (answered from L2), get_forwarded, put, delete, touch, index_add, index_remove, index_list. */
    public void relayRequest(String type) {
        relayRequests.of(type).increment();
    }

    public void deleteDone(boolean acknowledged, long startNanos) {
        String outcome = acknowledged ? "acknowledged" : "failed";
        meter("global_sessions_relay_delete|" + outcome, () -> Timer.builder("global_sessions_relay_delete")
                .tag("outcome", outcome).publishPercentileHistogram().description("delete coordination: owners, peers and edges")
                .register(registry), Timer.class).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /** Expiry events a relay passed on to its edges (each session once per relief report). */
    public void expiriesTold(int count) {
        counter("global_sessions_relay_expiry_events", "sessions reported expired that a relay told its edges").increment(count);
    }

    /** Writes ("put") or deletes ("delete") a relay sent again to relief replicas that had not confirmed them. */
    public void resent(String type, int count) {
        if (count > 0) {
            counter("global_sessions_relay_resent", "writes and deletes a relay sent again to relief replicas that had not "
                    + "confirmed them (a shard hand-off drops messages)", "type", type).increment(count);
        }
    }

    public void invalidationStragglers(int count) {
        counter("global_sessions_relay_invalidation_stragglers", "peers and edges that did not confirm an invalidation in time")
                .increment(count);
    }

    private Counter counter(String name, String description, String... tags) {
        return meter(name + "|" + String.join("|", tags), () -> Counter.builder(name).tags(tags).description(description)
                .register(registry), Counter.class);
    }

    /**
     * The meter under {@code key}, registered on first use and then taken from a local map:
     * asking the registry on every request costs an id, a tag sort and a lookup per message.
     */
    private <M extends Meter> M meter(String key, Supplier<M> register, Class<M> type) {
        return type.cast(meters.computeIfAbsent(key, k -> register.get()));
    }

    /**
     * The counters of one name by the values of one or two tags ({@code second} null: one). The
     * first use of a combination registers it through {@link #counter}; later ones are one or two
     * map reads, where {@code counter} would build its key (a few arrays) on every request.
     */
    private final class Tagged {
        private final String name;
        private final String description;
        private final String first;
        private final String second;
        private final Map<String, Counter> byOne = new ConcurrentHashMap<>();
        private final Map<String, Map<String, Counter>> byTwo = new ConcurrentHashMap<>();

        Tagged(String name, String description, String first, String second) {
            this.name = name;
            this.description = description;
            this.first = first;
            this.second = second;
        }

        Counter of(String value) {
            Counter found = byOne.get(value);
            if (found == null) {
                found = counter(name, description, first, value);
                byOne.put(value, found);
            }
            return found;
        }

        Counter of(String value, String secondValue) {
            Map<String, Counter> bySecond = byTwo.get(value);
            Counter found = bySecond == null ? null : bySecond.get(secondValue);
            if (found == null) {
                found = counter(name, description, first, value, second, secondValue);
                byTwo.computeIfAbsent(value, v -> new ConcurrentHashMap<>()).put(secondValue, found);
            }
            return found;
        }
    }

    private Map<String, Shard> shards(Tier tier) {
        return tier == Tier.EXPANSION ? expansionShards : agingShards;
    }

    private static String tag(Tier tier) {
        return tier.id();
    }
}
