package org.globalsessions.runtime.metrics;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruStats;

/**
 * A shared-memory table's statistics as Micrometer meters, tagged {@code table=l1|l2}. They are
 * read from the table's shared counters when scraped, so they show what every process on the
 * host did to the table, the same numbers {@code global-sessions inspect} prints.
 */
public final class TableMetrics {

    private TableMetrics() {
    }

    public static void bind(MeterRegistry registry, String table, ShmLru lru) {
        Gauge.builder("global_sessions_table_entries", lru, t -> t.stats().entries())
                .tag("table", table).description("entries in the shared-memory table").register(registry);
        Gauge.builder("global_sessions_table_capacity", lru, ShmLru::capacity)
                .tag("table", table).description("entries the table can hold").register(registry);
        counter(registry, table, "global_sessions_table_hits", "lookups that found a live entry", lru, ShmLruStats::hits);
        counter(registry, table, "global_sessions_table_misses", "lookups that found nothing live", lru, ShmLruStats::misses);
        counter(registry, table, "global_sessions_table_evictions", "entries evicted for capacity", lru, ShmLruStats::evictions);
        counter(registry, table, "global_sessions_table_expirations", "entries dropped at the end of their TTL", lru, ShmLruStats::expirations);
        counter(registry, table, "global_sessions_table_lock_recoveries", "segments repaired after their lock holder died", lru, ShmLruStats::lockRecoveries);
    }

    private static void counter(MeterRegistry registry, String table, String name, String description, ShmLru lru,
                                ToDoubleFunction<ShmLruStats> value) {
        FunctionCounter.builder(name, lru, t -> value.applyAsDouble(t.stats()))
                .tag("table", table).description(description).register(registry);
    }
}
