package org.globalsessions.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.globalsessions.client.internal.TestCluster;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SessionCacheManager against a real cluster (ActorSystems over mutual TLS in this JVM). */
class SessionCacheManagerTest {

    @TempDir
    static Path certificates;

    private static TestCluster cluster;
    private static SessionCacheManager hostA;
    private static SessionCacheManager hostB;
    private static final MeterRegistry registryA = new SimpleMeterRegistry();

    /** Host B's table is named the seed's way, /dev/shm/global-sessions-<token name>.lru: unique per run. */
    private static final String HOST_B = "client-b-" + ProcessHandle.current().pid();

    record Cart(String user, List<String> items) {
    }

    @BeforeAll
    static void start() {
        cluster = new TestCluster(certificates, Map.of("hashing.shards", 8));
        var files = cluster.files;
        hostA = SessionCacheManager.builder()
                .relays(cluster.relayAddress.toString())
                .certificates(files.keyFile(), files.certFile(), files.caFile())
                .table(cluster.shm.resolve("client-a.lru"))
                .elCount(1000).recordSize(512)
                .meterRegistry(registryA)
                .build();
        // Host B is built the seed's way: new SessionCacheManager(conf.lru, conf.my_messages).
        Map<String, Object> lru = Map.of("manage_section", true, "cache", Map.of(
                "token_path", cluster.shm.resolve(HOST_B + ".conf").toString(), "seed", 9849381, "record_size", 512, "el_count", 1000));
        Map<String, Object> relay = Map.of("auth_path", "auths", "address", cluster.relayAddress.host(),
                "port", cluster.relayAddress.port(), "tls", Map.of("server_key", files.keyFile().toString(),
                        "server_cert", files.certFile().toString(), "client_cert", files.caFile().toString()));
        hostB = new SessionCacheManager(lru, relay);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> hostA.set("warm-up", new byte[] {1}).toCompletableFuture().get(10, TimeUnit.SECONDS) > 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> hostA.l1Leased() && hostB.l1Leased());
        // Serving while the lease holds (renewed every heartbeat): on a busy machine a heartbeat can be
        // late and the lease lapse for a moment, so wait for the state and its gauge together.
        await().atMost(Duration.ofSeconds(30)).until(() -> hostA.health() == Health.SERVING
                && registryA.get("global_sessions_client_health").gauge().value() == 2);
    }

    @AfterAll
    static void stop() {
        if (hostA != null) {
            hostA.close();
        }
        if (hostB != null) {
            hostB.close();
        }
        cluster.close();
        Path.of("/dev/shm/global-sessions-" + HOST_B + ".lru").toFile().delete();
    }

    private static <T> T done(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    @Test
    void typedSessionWrittenOnOneHostIsReadOnAnother() throws Exception {
        Cart cart = new Cart("alice", List.of("book", "lamp"));
        long version = done(hostA.set("cart-1", cart, Duration.ofMinutes(10)));
        assertTrue(version > 0);
        assertEquals(Optional.of(cart), done(hostB.get("cart-1", Cart.class)));
        // Cached on host B just after the answer completed the get (EdgeCacheActor.onFound).
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.getLocal("cart-1").isPresent());
        assertEquals(Optional.of(cart), done(hostA.get("cart-1", Cart.class)));
    }

    @Test
    void aSessionWrittenOnOneHostArrivesInTheOtherHostsTableUnasked() throws Exception {
        // edge.store-arrivals is on by default: the relay publishes each stored write, and every
        // other subscribed edge puts it in its host's table, so host B's first read is local.
        done(hostA.set("arrives-1", "v1".getBytes(StandardCharsets.UTF_8)));
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.getLocal("arrives-1").isPresent());
        assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8), hostB.getLocal("arrives-1").orElseThrow());
        // A newer version replaces it the same way; a logout removes it, and no arrival brings it back.
        done(hostA.set("arrives-1", "v2".getBytes(StandardCharsets.UTF_8)));
        await().atMost(Duration.ofSeconds(5)).until(() -> hostB.getLocal("arrives-1")
                .map(v -> new String(v, StandardCharsets.UTF_8).equals("v2")).orElse(false));
        done(hostA.delete("arrives-1"));
        assertTrue(hostB.getLocal("arrives-1").isEmpty());
        assertTrue(done(hostB.get("arrives-1")).isEmpty());
    }

    /**
     * Processes on one host share its L1: a write elsewhere arrives in it once, through the process
     * that subscribed first (host B's), and a process whose listener overrides {@code onArrival} is
     * told of every such write all the same.
     */
    @Test
    void aSecondProcessOnAHostSharesItsArrivalsAndHearsThemWhenItListens() throws Exception {
        try (SessionCacheManager besideB = cluster.client("unused").table(Path.of("/dev/shm/global-sessions-" + HOST_B + ".lru"))
                .manageSection(false).build()) {
            TestCluster.awaitWritable(besideB);
            done(hostA.set("shared-1", "v1".getBytes(StandardCharsets.UTF_8)));
            await().atMost(Duration.ofSeconds(5)).until(() -> besideB.getLocal("shared-1").isPresent());

            List<String> arrived = new CopyOnWriteArrayList<>();
            besideB.addListener(new SessionListener() {
                @Override
                public void onArrival(String key, byte[] value) {
                    arrived.add(key);
                }
            });
            // Once the relay has its heartbeat (sent as the listener was added), it sends besideB every arrival.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                done(hostA.set("shared-2", "v2".getBytes(StandardCharsets.UTF_8)));
                return arrived.contains("shared-2");
            });
            assertTrue(hostB.getLocal("shared-2").isPresent());
        }
    }

    @Test
    void callbacksOnARemoteAnswerRunOnTheCallbackThreadsNotOnPekkoThreads() throws Exception {
        // An id nobody wrote: the answer ("not found") comes from the relief tier, never from L1
        // (a written one may already be in host B's L1 by its arrival).
        String thread = done(hostB.get("cb-never-written").thenApply(v -> {
            assertTrue(v.isEmpty(), "nobody wrote cb-never-written");
            return Thread.currentThread().getName();
        }));
        assertTrue(thread.startsWith("global-sessions-callbacks-"), "ran on " + thread);
    }

    @Test
    void bytesRoundTripAndDeleteReachesTheOtherHost() throws Exception {
        done(hostA.set("s-1", "token".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals("token".getBytes(StandardCharsets.UTF_8), done(hostB.get("s-1")).orElseThrow());
        done(hostA.delete("s-1"));
        assertTrue(hostB.getLocal("s-1").isEmpty());
        assertTrue(done(hostB.get("s-1")).isEmpty());
    }

    @Test
    void oversizedTypedSessionIsRefusedWithTheSizes() {
        Cart huge = new Cart("bob", List.of("x".repeat(600)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hostA.set("cart-2", huge));
        assertTrue(e.getMessage().contains("exceeds record_size=512"), e.getMessage());
        assertTrue(e.getMessage().contains(Cart.class.getName()), e.getMessage());
        assertTrue(hostA.getLocal("cart-2").isEmpty());
    }

    @Test
    void listenersHearInvalidationsAndTheirExceptionsAreContained() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        hostB.addListener(new SessionListener() {
            @Override
            public void onInvalidated(String key) {
                heard.add(key);
                throw new IllegalStateException("listener bug");
            }
        });
        done(hostA.set("s-2", new byte[] {2}));
        done(hostA.delete("s-2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("s-2"));
        done(hostA.set("s-3", new byte[] {3}));
        assertArrayEquals(new byte[] {3}, done(hostB.get("s-3")).orElseThrow(), "the cache keeps working");
    }

    /**
     * A session whose time runs out is told to the listeners of every host once, with its last
     * value, after the relief tiers' sweep (every 10 s) and their check that no lineage holds it;
     * a session logged out first is told as a logout only, and a live one not at all.
     */
    @Test
    void listenersOnEveryHostHearAnExpiryOnceAndNotForALogoutOrALiveSession() throws Exception {
        Map<String, List<String>> expiredOn = Map.of("a", new CopyOnWriteArrayList<>(), "b", new CopyOnWriteArrayList<>());
        List<String> loggedOut = new CopyOnWriteArrayList<>();
        Map<String, byte[]> lastValues = new java.util.concurrent.ConcurrentHashMap<>();
        for (Map.Entry<String, SessionCacheManager> host : Map.of("a", hostA, "b", hostB).entrySet()) {
            host.getValue().addListener(new SessionListener() {
                @Override
                public void onExpired(String key, byte[] lastValue) {
                    expiredOn.get(host.getKey()).add(key);
                    lastValues.put(key, lastValue);
                }

                @Override
                public void onInvalidated(String key) {
                    loggedOut.add(key);
                }
            });
        }
        done(hostA.set("exp-short", "last".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(1)));
        done(hostA.set("exp-deleted", new byte[] {1}, Duration.ofSeconds(1)));
        done(hostA.set("exp-live", new byte[] {2}, Duration.ofMinutes(10)));
        done(hostB.delete("exp-deleted"));
        await().atMost(Duration.ofSeconds(40)).until(() -> expiredOn.get("a").contains("exp-short")
                && expiredOn.get("b").contains("exp-short"));
        assertArrayEquals("last".getBytes(StandardCharsets.UTF_8), lastValues.get("exp-short"));
        // A session set now expires after those: once it is told, the sweeps that would tell anything
        // left, or anything twice, have run.
        done(hostA.set("exp-later", bytes("later"), Duration.ofSeconds(1)));
        await().atMost(Duration.ofSeconds(40)).until(() -> expiredOn.get("a").contains("exp-later")
                && expiredOn.get("b").contains("exp-later"));
        assertEquals(List.of("exp-short", "exp-later"), expiredOn.get("a").stream().filter(k -> k.startsWith("exp-")).toList());
        assertEquals(List.of("exp-short", "exp-later"), expiredOn.get("b").stream().filter(k -> k.startsWith("exp-")).toList());
        assertEquals(2, loggedOut.stream().filter("exp-deleted"::equals).count(), "the logout, once on each host");
        assertTrue(done(hostB.get("exp-live")).isPresent());
    }

    /**
     * A conditional write is stored only over the version it names: of two hosts that read one
     * version and both write over it, one wins and the other is told its write is stale, and
     * nothing of it is stored; a logged-out id refuses it as logged out.
     */
    @Test
    void ofTwoConditionalWritesOverOneVersionOneWinsAndNothingOfTheOtherIsStored() throws Exception {
        long read = done(hostA.set("cas-1", bytes("v1")));
        assertEquals(read, done(hostB.lookup("cas-1")).orElseThrow().version());
        var first = hostA.setIf("cas-1", bytes("from-a"), null, read).toCompletableFuture();
        var second = hostB.setIf("cas-1", bytes("from-b"), null, read).toCompletableFuture();
        List<Throwable> failures = new ArrayList<>();
        List<String> stored = new ArrayList<>();
        for (var write : List.of(first, second)) {
            try {
                write.get(15, TimeUnit.SECONDS);
                stored.add(write == first ? "from-a" : "from-b");
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        assertEquals(1, stored.size(), "one of the two wins: " + stored + " " + failures);
        StaleSessionException stale = assertInstanceOf(StaleSessionException.class, failures.get(0));
        assertFalse(stale.loggedOut());
        for (SessionCacheManager host : List.of(hostA, hostB)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> new String(done(host.get("cas-1")).orElseThrow(),
                    StandardCharsets.UTF_8).equals(stored.get(0)));
        }
        long winner = done(hostA.lookup("cas-1")).orElseThrow().version();
        assertThrows(IllegalArgumentException.class, () -> hostA.setIf("cas-1", bytes("x"), null, 0));

        done(hostB.delete("cas-1"));
        var loggedOut = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> hostA.setIf("cas-1", bytes("again"), null, winner).toCompletableFuture().get(15, TimeUnit.SECONDS));
        assertTrue(assertInstanceOf(StaleSessionException.class, loggedOut.getCause()).loggedOut());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void metricsCountGetsByTierAndAcknowledgedSets() throws Exception {
        double sets = registryA.get("global_sessions_client_sets").tag("outcome", "acknowledged").counter().count();
        done(hostA.set("m-1", new byte[] {1}));
        done(hostA.get("m-1"));
        assertEquals(sets + 1, registryA.get("global_sessions_client_sets").tag("outcome", "acknowledged").counter().count());
        assertTrue(registryA.get("global_sessions_client_gets").tag("tier", "l1").counter().count() >= 1);
        assertTrue(registryA.get("global_sessions_client_request").tag("path", "set").tag("outcome", "ok").timer().count() >= 1);
        assertTrue(registryA.get("global_sessions_table_entries").tag("table", "l1").gauge().value() >= 1);
        assertEquals(hostA.tableStats().hits(), registryA.get("global_sessions_table_hits").tag("table", "l1").functionCounter().count());
    }

    private static double gets(MeterRegistry registry, String tier) {
        return registry.get("global_sessions_client_gets").tag("tier", tier).counter().count();
    }

    private static double allGets(MeterRegistry registry) {
        return registry.get("global_sessions_client_gets").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void getIntoCopiesAnL1HitIntoTheBufferAndCountsIt() throws Exception {
        byte[] token = "token-into".getBytes(StandardCharsets.UTF_8);
        done(hostA.set("into-1", token));
        await().atMost(Duration.ofSeconds(30)).until(hostA::l1Leased);
        double l1 = gets(registryA, "l1");
        byte[] buffer = new byte[hostA.maxSessionBytes()];
        assertEquals(token.length, hostA.getInto("into-1", buffer));
        assertArrayEquals(token, java.util.Arrays.copyOf(buffer, token.length));
        assertEquals(l1 + 1, gets(registryA, "l1"));

        byte[] small = new byte[3];
        assertEquals(token.length, hostA.getInto("into-1", small), "too short: the length it needs");
        assertArrayEquals(new byte[3], small, "and nothing copied");

        assertEquals(SessionCacheManager.NOT_LOCAL, hostA.getInto("into-nowhere", buffer), "not on this host");
        done(hostA.delete("into-1"));
        assertEquals(SessionCacheManager.NOT_LOCAL, hostA.getInto("into-1", buffer), "logged out: get answers it");
        assertEquals(l1 + 2, gets(registryA, "l1"), "only the two hits are counted");

        String utf8 = "into-\u00e9\u4e2d"; // not printable ASCII: encoded, not viewed
        done(hostA.set(utf8, token));
        assertEquals(token.length, hostA.getInto(utf8, buffer));
        assertEquals(SessionCacheManager.NOT_LOCAL, hostA.getInto("into-\u00e9", buffer), "a prefix of it is another key");

        assertEquals("key is empty", assertThrows(IllegalArgumentException.class, () -> hostA.getInto("", buffer)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> hostA.getInto("a b", buffer)).getMessage().contains("whitespace"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> hostA.getInto("0123456789abcdef01\u00013", buffer)).getMessage()
                .contains("control character"));
        assertThrows(NullPointerException.class, () -> hostA.getInto("into-1", null));
    }

    @Test
    void everyGetIsCountedOnceByTheTierThatAnsweredAndOnlyRemoteOnesAreTimed() throws Exception {
        done(hostA.set("count-1", new byte[] {3}));
        MeterRegistry registryB = hostB.meterRegistry();
        double before = allGets(registryB);
        long timed = registryB.get("global_sessions_client_request").tag("path", "get").tag("outcome", "ok").timer().count();
        double l1 = gets(registryB, "l1");
        for (int i = 0; i < 3; i++) {
            assertTrue(done(hostB.get("count-1")).isPresent());
        }
        assertTrue(done(hostB.get("count-nowhere")).isEmpty());
        assertEquals(before + 4, allGets(registryB), "one count per get");
        long remote = registryB.get("global_sessions_client_request").tag("path", "get").tag("outcome", "ok").timer().count() - timed;
        assertEquals(4 - (gets(registryB, "l1") - l1), remote, "every get L1 did not answer is timed");
        assertTrue(gets(registryB, "none") >= 1);
    }

    @Test
    void aClientServesItsMetricsWhenGivenAPort() throws Exception {
        var files = cluster.files;
        int port = FreePorts.next();
        try (SessionCacheManager client = SessionCacheManager.builder()
                .relays(cluster.relayAddress.toString())
                .certificates(files.keyFile(), files.certFile(), files.caFile())
                .table(cluster.shm.resolve("client-metrics.lru"))
                .elCount(100).recordSize(512)
                .prometheusPort(port)
                .build()) {
            done(client.set("metered", new byte[] {1}));
            String body = Metrics.scrape(port);
            assertTrue(body.contains("global_sessions_client_sets_total{outcome=\"acknowledged\"} 1.0"), body);
            assertTrue(body.contains("global_sessions_table_entries{table=\"l1\"} 1.0"), body);
        }
    }

    @Test
    void badKeysFailFastWithTheReason() {
        assertEquals("key is empty", assertThrows(IllegalArgumentException.class, () -> hostA.get("")).getMessage());
        assertThrows(NullPointerException.class, () -> hostA.set(null, new byte[1]));
    }

    @Test
    void publicApiHasNoPekkoTypes() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : List.of(SessionCacheManager.class, SessionCacheManagerBuilder.class, SessionListener.class,
                SessionCacheException.class, StaleSessionException.class, TableStats.class)) {
            for (Method m : type.getMethods()) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
                types.add(m.getGenericReturnType());
                for (Type t : types) {
                    if (t.getTypeName().contains("org.apache.pekko")) {
                        leaks.add(type.getSimpleName() + "." + m.getName() + ": " + t.getTypeName());
                    }
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    @Test
    void configFileInTheSeedClientShapeLoads() throws Exception {
        var files = cluster.files;
        Path file = certificates.resolve("client.json");
        java.nio.file.Files.writeString(file, """
                {
                    "lru" : {
                        "manage_section" : false,
                        "cache" : { "seed" : 9849381, "token_path" : "./shared.conf" }
                    },
                    "my_messages" : {
                        "auth_path" : "auths",
                        "address" : "%s",
                        "port" : %d,    // the relay
                        "tls" : { "server_key" : "%s", "server_cert" : "%s", "client_cert" : "%s" }
                    }
                }
                """.formatted(cluster.relayAddress.host(), cluster.relayAddress.port(), files.keyFile(), files.certFile(), files.caFile()));
        var settings = SessionCacheManager.settingsOf(file);
        assertFalse(settings.edge().manageSection());
        assertEquals(List.of(cluster.relayAddress), settings.edge().relays());
        assertEquals(Optional.of(Path.of("/dev/shm/global-sessions-shared.lru")), settings.edge().table().path());
    }

    @Test
    void seedConstructorNamesAMistypedKey() {
        var e = assertThrows(org.globalsessions.runtime.config.SettingsException.class,
                () -> new SessionCacheManager(Map.of("manage_section", true, "cahce", Map.of()), Map.of("address", "h", "port", 1)));
        assertTrue(e.getMessage().contains("unknown key \"cahce\""), e.getMessage());
    }

    @Test
    void aWriteOlderThanALogoutFailsWithStaleSessionException() throws Exception {
        var files = cluster.files;
        try (SessionCacheManager late = SessionCacheManager.builder()
                .relays(cluster.relayAddress.toString())
                .certificates(files.keyFile(), files.certFile(), files.caFile())
                .table(cluster.shm.resolve("client-late.lru"))
                .elCount(100).recordSize(512)
                .clock(new org.globalsessions.runtime.protocol.HybridClock(() -> System.currentTimeMillis() - 3_600_000, 3))
                .build()) {
            done(hostA.set("s-late", new byte[] {1}));
            done(hostA.delete("s-late"));
            CompletionException e = assertThrows(CompletionException.class,
                    () -> late.set("s-late", new byte[] {2}).toCompletableFuture().join());
            StaleSessionException stale = assertInstanceOf(StaleSessionException.class, e.getCause());
            assertTrue(stale.loggedOut());
            assertTrue(stale.getMessage().contains("logged out") && stale.getMessage().contains("new session id per login"),
                    stale.getMessage());
            assertFalse(stale.getMessage().contains("s-late"), "session ids are secrets: " + stale.getMessage());
            assertTrue(late.getLocal("s-late").isEmpty());
        }
    }
}
