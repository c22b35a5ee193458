package org.globalsessions.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.globalsessions.client.internal.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespaces against a real cluster: two hosts, each with the default keyspace and the
 * namespaces {@code web} and {@code carts}; one id in all three is three sessions.
 */
class SessionNamespaceTest {

    @TempDir
    static Path certificates;

    private static TestCluster cluster;
    private static SessionCacheManager hostA;
    private static SessionCacheManager hostB;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(certificates, Map.of("hashing.shards", 4));
        hostA = host("a");
        hostB = host("b");
        TestCluster.awaitWritable(hostA);
        TestCluster.awaitWritable(hostB);
    }

    private static SessionCacheManager host(String name) {
        return cluster.client("ns-" + name + ".lru")
                .namespace("web", 100, Duration.ofMinutes(30), Duration.ofHours(2))
                .namespace("carts", 400, Duration.ofHours(4), Duration.ofHours(8))
                .build();
    }

    @AfterAll
    static void stop() {
        cluster.closeWith(hostA, hostB);
    }

    private static <T> T done(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneIdInEachNamespaceIsASessionOfItsOwn() throws Exception {
        SessionNamespace webA = hostA.namespace("web");
        SessionNamespace cartsA = hostA.namespace("carts");
        done(hostA.set("same-id", bytes("default")));
        done(webA.set("same-id", bytes("web")));
        done(cartsA.set("same-id", bytes("carts")));
        assertArrayEquals(bytes("web"), done(hostB.namespace("web").get("same-id")).orElseThrow());
        assertArrayEquals(bytes("carts"), done(hostB.namespace("carts").get("same-id")).orElseThrow());
        assertArrayEquals(bytes("default"), done(hostB.get("same-id")).orElseThrow());

        done(hostB.namespace("web").delete("same-id"));
        assertEquals(Optional.empty(), done(webA.get("same-id")));
        assertArrayEquals(bytes("carts"), done(cartsA.get("same-id")).orElseThrow(), "a logout in web leaves carts alone");
        assertArrayEquals(bytes("default"), done(hostA.get("same-id")).orElseThrow());
    }

    @Test
    void aSessionLargerThanItsNamespaceAllowsIsRefusedNamingBothSizesAndNothingIsStored() throws Exception {
        SessionNamespace web = hostA.namespace("web");
        var e = assertThrows(IllegalArgumentException.class, () -> web.set("big", new byte[98]));
        assertTrue(e.getMessage().contains("a session of 98 bytes with its 3-byte key exceeds namespace web's record-size of 100 bytes"),
                e.getMessage());
        assertEquals(Optional.empty(), done(web.get("big")));
        done(web.set("big", new byte[97]));
        done(hostA.namespace("carts").set("big", new byte[300]));
        assertEquals(300, done(hostB.namespace("carts").get("big")).orElseThrow().length, "carts has room for it");
    }

    @Test
    void aTtlBeyondTheNamespacesLifetimeIsRefusedAndItsDefaultTtlApplies() throws Exception {
        SessionNamespace web = hostA.namespace("web");
        var e = assertThrows(IllegalArgumentException.class, () -> web.set("long", bytes("x"), Duration.ofHours(3)));
        assertTrue(e.getMessage().contains("ttl=PT3H exceeds namespace web's max-lifetime=PT2H"), e.getMessage());
        assertEquals(Optional.empty(), done(web.get("long")));

        long before = System.currentTimeMillis();
        done(web.set("default-ttl", bytes("x")));
        Instant expires = done(hostB.namespace("web").lookup("default-ttl")).orElseThrow().expiresAt();
        long ttl = expires.toEpochMilli() - before;
        assertTrue(ttl > Duration.ofMinutes(29).toMillis() && ttl <= Duration.ofMinutes(31).toMillis(), "30 minutes: " + ttl + " ms");
    }

    @Test
    void anUnknownNamespaceAndADefaultKeyInANamespacesPrefixAreRefusedNamingThem() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> hostA.namespace("orders"));
        assertEquals("no namespace \"orders\": this manager's namespaces are [carts, web] (edge.namespaces)", unknown.getMessage());
        var prefixed = assertThrows(IllegalArgumentException.class, () -> hostA.set("web:abc", bytes("x")));
        assertTrue(prefixed.getMessage().contains("starts with \"web:\", which is namespace web's: use namespace(\"web\")"),
                prefixed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> hostA.namespace("web").set("", bytes("x")));
    }

    @Test
    void listenersHearTheirOwnNamespacesSessionsByTheirOwnIds() throws Exception {
        List<String> web = new CopyOnWriteArrayList<>();
        List<String> plain = new CopyOnWriteArrayList<>();
        hostB.namespace("web").addListener(new SessionListener() {
            @Override
            public void onInvalidated(String key) {
                web.add(key);
            }
        });
        hostB.addListener(new SessionListener() {
            @Override
            public void onInvalidated(String key) {
                plain.add(key);
            }
        });
        done(hostA.namespace("web").set("heard", bytes("x")));
        done(hostA.namespace("carts").set("heard", bytes("x")));
        done(hostA.namespace("carts").delete("heard"));
        done(hostA.namespace("web").delete("heard"));
        done(hostA.set("plain-heard", bytes("x")));
        done(hostA.delete("plain-heard"));
        await().atMost(Duration.ofSeconds(10)).until(() -> web.contains("heard") && plain.contains("plain-heard"));
        assertEquals(List.of("heard"), web);
        assertEquals(List.of("plain-heard"), plain.stream().filter(k -> k.contains("heard")).toList());
    }

    @Test
    void thePrincipalIndexAndLogoutEverywhereStayWithinANamespace() throws Exception {
        SessionNamespace web = hostA.namespace("web");
        Instant now = Instant.now();
        done(web.set("w-1", bytes("x")));
        done(web.indexSession("alice", "w-1", now, Duration.ofHours(1)));
        done(hostA.set("d-1", bytes("x")));
        done(hostA.indexSession("alice", "d-1", now, Duration.ofHours(1)));
        assertEquals(List.of("w-1"), done(hostB.namespace("web").sessionsOf("alice")).stream().map(PrincipalSession::sessionId).toList());
        assertEquals(List.of("d-1"), done(hostB.sessionsOf("alice")).stream().map(PrincipalSession::sessionId).toList());
        assertEquals(1, done(hostB.namespace("web").logoutAll("alice")));
        assertEquals(Optional.empty(), done(web.get("w-1")));
        assertTrue(done(hostA.get("d-1")).isPresent(), "the default keyspace's session of alice lives on");
    }
}
