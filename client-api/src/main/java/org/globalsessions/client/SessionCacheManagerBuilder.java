package org.globalsessions.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.protocol.HybridClock;

/**
 * Builds a {@link SessionCacheManager}. Anything not set comes from the configuration file given
 * to {@link #config(Path)}, then from the defaults in {@code reference.conf}. TLS is required
 * unless {@link #plaintext()} says otherwise.
 */
public final class SessionCacheManagerBuilder {

    private final Map<String, Object> keys = new HashMap<>();
    private Path configFile;
    private Executor callbackExecutor;
    private ObjectMapper objectMapper;
    private MeterRegistry meterRegistry;
    private HybridClock clock;

    SessionCacheManagerBuilder() {
    }

    /** The relays to talk to, "host:port". */
    public SessionCacheManagerBuilder relays(String... relays) {
        return set("edge.relays", Arrays.asList(relays));
    }

    /**
     * A directory holding the application identity, {@code app.key} and {@code app.crt}, and
     * {@code ca.crt} (what {@code global-sessions certs} and {@code up} write; docs/security.md).
     */
    public SessionCacheManagerBuilder certificates(Path directory) {
        return certificates(directory.resolve("app.key"), directory.resolve("app.crt"), directory.resolve("ca.crt"));
    }

    /** This process's key and certificate, and the CA certificate the relays' certificates chain to (PEM). */
    public SessionCacheManagerBuilder certificates(Path key, Path certificate, Path ca) {
        set("tls.enabled", true);
        set("tls.key-file", key.toAbsolutePath().toString());
        set("tls.cert-file", certificate.toAbsolutePath().toString());
        return set("tls.ca-file", ca.toAbsolutePath().toString());
    }

    /** Sends sessions in clear text. Only for a cluster that is configured the same way. */
    public SessionCacheManagerBuilder plaintext() {
        return set("tls.enabled", false);
    }

    /** The host's table file (default /dev/shm/global-sessions-edge.lru). */
    public SessionCacheManagerBuilder table(Path file) {
        return set("edge.table.path", file.toString());
    }

    /** Whether this process creates the host's table ; one process per host does. */
    public SessionCacheManagerBuilder manageSection(boolean manage) {
        return set("edge.table.manage-section", manage);
    }

    /** Entries the host's table holds (the seed's el_count). */
    public SessionCacheManagerBuilder elCount(long entries) {
        return set("edge.table.el-count", entries);
    }

    /** Bytes of key + value per entry (the seed's record_size). */
    public SessionCacheManagerBuilder recordSize(int bytes) {
        return set("edge.table.record-size", bytes);
    }

    /**
     * A namespace ({@code edge.namespaces.<name>}): a keyspace of its own, reached with
     * {@link SessionCacheManager#namespace}, whose sessions take at most {@code recordSize} bytes
     * of key + value and live {@code defaultTtl} unless set with a TTL, at most {@code maxLifetime}.
     */
    public SessionCacheManagerBuilder namespace(String name, int recordSize, Duration defaultTtl, Duration maxLifetime) {
        String key = "edge.namespaces." + com.typesafe.config.ConfigUtil.quoteString(name);
        set(key + ".record-size", recordSize);
        set(key + ".default-ttl", defaultTtl.toMillis() + "ms");
        return set(key + ".max-lifetime", maxLifetime.toMillis() + "ms");
    }

    /** The TTL of a session set without one. */
    public SessionCacheManagerBuilder defaultTtl(Duration ttl) {
        return set("relief.default-session-ttl", ttl.toMillis() + "ms");
    }

    /**
     * The longest TTL a session may have: a {@code set} with a longer one is refused. Keep it equal
     * to the relief nodes' {@code relief.max-session-ttl}, and at most their {@code relief.tombstone-ttl}.
     */
    public SessionCacheManagerBuilder maxSessionTtl(Duration ttl) {
        return set("relief.max-session-ttl", ttl.toMillis() + "ms");
    }

    /** How long a request waits for its relay before it fails (or moves to the next relay). */
    public SessionCacheManagerBuilder requestTimeout(Duration timeout) {
        return set("request-timeout", timeout.toMillis() + "ms");
    }

    /** Serves this process's meters for Prometheus on 127.0.0.1:{@code port}/metrics. */
    public SessionCacheManagerBuilder prometheusPort(int port) {
        return set("metrics.port", port);
    }

    /** A configuration file (native or seed client shape) under the settings of this builder. */
    public SessionCacheManagerBuilder config(Path file) {
        this.configFile = file;
        return this;
    }

    /** Any native setting, by its key under {@code global-sessions} (see reference.conf). */
    public SessionCacheManagerBuilder set(String key, Object value) {
        keys.put(GlobalSessionsSettings.ROOT + "." + key, value instanceof List<?> list ? List.copyOf(list) : value);
        return this;
    }

    /** Where stages that wait for the network complete; default: two daemon threads of the manager. */
    public SessionCacheManagerBuilder callbackExecutor(Executor executor) {
        this.callbackExecutor = executor;
        return this;
    }

    /** The Jackson mapper for typed sessions; default: JSON with the modules on the class path. */
    public SessionCacheManagerBuilder objectMapper(ObjectMapper mapper) {
        this.objectMapper = mapper;
        return this;
    }

    /** Where the manager's meters go; default: a private registry ({@link SessionCacheManager#meterRegistry()}). */
    public SessionCacheManagerBuilder meterRegistry(MeterRegistry registry) {
        this.meterRegistry = registry;
        return this;
    }

    /** The clock that versions this process's writes (tests skew it). */
    SessionCacheManagerBuilder clock(HybridClock clock) {
        this.clock = clock;
        return this;
    }

    /**
     * The wall clock (epoch milliseconds) that versions this process's writes; default the
     * system clock. Hosts whose clocks disagree still agree on order through the versions they
     * observe; a logout is final whatever the clocks (no write of a logged-out id is stored).
     */
    public SessionCacheManagerBuilder wallClock(LongSupplier millis) {
        this.clock = new HybridClock(millis);
        return this;
    }

    /** The settings this builder stands for, validated. */
    public GlobalSessionsSettings settings() {
        Config own = ConfigFactory.parseMap(keys, "SessionCacheManager.builder()");
        if (configFile == null) {
            return SettingsReader.read(own, "SessionCacheManager.builder()");
        }
        GlobalSessionsSettings fromFile = SessionCacheManager.settingsOf(configFile);
        return SettingsReader.read(own.withFallback(fromFile.config()), configFile.toString());
    }

    public SessionCacheManager build() {
        return new SessionCacheManager(settings(), callbackExecutor, objectMapper, meterRegistry,
                clock != null ? clock : new HybridClock());
    }
}
