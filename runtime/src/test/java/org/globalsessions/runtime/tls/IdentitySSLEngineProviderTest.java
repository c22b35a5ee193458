package org.globalsessions.runtime.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;

/**
 * Two actor systems in one JVM over Artery TLS, each with an {@link IdentitySSLEngineProvider}:
 * a "server" that answers a ping, and a client that pings it. Which certificates each presents and
 * accepts decides whether the ping is answered, and what each side says when it is not.
 */
class IdentitySSLEngineProviderTest {

    private static final List<String> NODE_ACCEPTS = List.of("node", "app", "operator");
    private static final List<String> EDGE_ACCEPTS = List.of("node");

    @TempDir
    Path dir;

    private Certificates.Authority ca;
    private final List<ActorSystem<?>> systems = new ArrayList<>();

    @BeforeEach
    void certificates() {
        ca = Certificates.newAuthority("test CA");
        for (Identity role : Identity.values()) {
            Certificates.writeIdentity(ca, dir.resolve("certs"), role.id(), role, List.of("127.0.0.1"));
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ActorSystem<?> system : systems) {
            system.terminate();
            NodeBootstrap.awaitTermination(system, Duration.ofSeconds(10));
        }
    }

    @Test
    void anApplicationReachesANodeAndTheNodeIsRecordedAsOne() {
        ActorSystem<String> server = server(dir.resolve("certs"), "node", NODE_ACCEPTS);
        TlsPeers serverPeers = TlsPeers.get(server);
        ActorSystem<Void> client = client(dir.resolve("certs"), "app", EDGE_ACCEPTS);
        TlsPeers clientPeers = TlsPeers.get(client);

        assertTrue(ping(client, server, Duration.ofSeconds(20)), "the node answered the application");
        String address = hostPort(server);
        assertEquals(Optional.of(Identity.NODE), clientPeers.roleOf("127.0.0.1", server.address().getPort().get()));
        assertEquals(Optional.empty(), clientPeers.problemWith(address));
        // The node answered on its own connection to the application, and saw an application there.
        assertEquals(Optional.of(Identity.APP), serverPeers.roleOf("127.0.0.1", client.address().getPort().get()));
    }

    /** An application's key cannot stand in for a relay: an edge accepts node certificates only. */
    @Test
    void anEdgeRefusesARelayPresentingAnApplicationCertificate() {
        ActorSystem<String> fakeRelay = server(dir.resolve("certs"), "app", NODE_ACCEPTS);
        ActorSystem<Void> client = client(dir.resolve("certs"), "app", EDGE_ACCEPTS);
        TlsPeers clientPeers = TlsPeers.get(client);

        String problem = awaitProblem(client, fakeRelay, clientPeers);
        assertTrue(problem.contains(hostPort(fakeRelay) + " presented CN=global-sessions-app (identity app"), problem);
        assertTrue(problem.contains("accepts only node certificates"), problem);
        assertFalse(ping(client, fakeRelay, Duration.ofSeconds(2)), "no answer through a refused connection");
    }

    /** A node that accepts only nodes refuses an application, and the application is told its certificate was refused. */
    @Test
    void aRefusedClientIsToldItsCertificateWasRefusedAndTheServerSaysWhy() {
        ActorSystem<String> server = server(dir.resolve("certs"), "node", List.of("node"));
        TlsPeers serverPeers = TlsPeers.get(server);
        ActorSystem<Void> client = client(dir.resolve("certs"), "app", EDGE_ACCEPTS);
        TlsPeers clientPeers = TlsPeers.get(client);

        String problem = awaitProblem(client, server, clientPeers);
        assertTrue(problem.startsWith(hostPort(server) + " refused this process's certificate CN=global-sessions-app (identity app"),
                problem);
        await().atMost(Duration.ofSeconds(10)).until(() -> !serverPeers.inboundProblems().isEmpty());
        String logged = serverPeers.inboundProblems().get(0);
        assertTrue(logged.contains("an inbound peer presented CN=global-sessions-app (identity app")
                && logged.contains("accepts only node certificates"), logged);
    }

    @Test
    void aClientOfAnotherCaIsRefusedNamingBothCas() {
        ActorSystem<String> server = server(dir.resolve("certs"), "node", NODE_ACCEPTS);
        TlsPeers serverPeers = TlsPeers.get(server);
        Certificates.Authority other = Certificates.newAuthority("other CA");
        Certificates.writeIdentity(other, dir.resolve("foreign"), "app", Identity.APP, List.of());
        ActorSystem<Void> client = client(dir.resolve("foreign"), "app", EDGE_ACCEPTS);
        TlsPeers clientPeers = TlsPeers.get(client);

        String problem = awaitProblem(client, server, clientPeers);
        // The client does not trust the node's CA either: it refuses the node first, naming it.
        assertTrue(problem.contains(hostPort(server) + " presented CN=global-sessions-node (identity node, issued by CN=test CA")
                && problem.contains("not signed by a CA this process trusts (CN=other CA)"), problem);
    }

    /**
     * Issue 22 item 5, rotation without a flag day: while every process trusts the old and the new
     * CA (one ca.crt holding both), a node still on the old CA's certificate and an application
     * already on the new one's talk, both ways.
     */
    @Test
    void duringARotationPeersOfTheOldAndTheNewCaTrustEachOtherThroughTheBundle() throws Exception {
        Certificates.Authority next = Certificates.newAuthority("next CA");
        Path old = dir.resolve("certs");
        Path renewed = dir.resolve("renewed");
        Certificates.writeIdentity(next, renewed, "app", Identity.APP, List.of("127.0.0.1"));
        byte[] bundle = concat(Files.readAllBytes(old.resolve("ca.crt")), Files.readAllBytes(renewed.resolve("ca.crt")));
        Files.write(old.resolve("ca.crt"), bundle);
        Files.write(renewed.resolve("ca.crt"), bundle);

        ActorSystem<String> server = server(old, "node", NODE_ACCEPTS);
        ActorSystem<Void> client = client(renewed, "app", EDGE_ACCEPTS);
        assertTrue(ping(client, server, Duration.ofSeconds(20)), "a new-CA application reaches an old-CA node");
        assertEquals(Optional.of(Identity.APP), TlsPeers.get(server).roleOf("127.0.0.1", client.address().getPort().get()),
                "and the node's own connection back to it was accepted");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void anExpiredCertificateIsRefusedAsExpired() {
        ActorSystem<String> server = server(dir.resolve("certs"), "node", NODE_ACCEPTS);
        TlsPeers serverPeers = TlsPeers.get(server);
        Instant now = Instant.now();
        Certificates.writeIdentity(ca, dir.resolve("expired"), "app", Identity.APP, List.of(),
                now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        ActorSystem<Void> client = client(dir.resolve("expired"), "app", EDGE_ACCEPTS);
        TlsPeers clientPeers = TlsPeers.get(client);

        String problem = awaitProblem(client, server, clientPeers);
        assertTrue(problem.contains("refused this process's certificate CN=global-sessions-app"), problem);
        await().atMost(Duration.ofSeconds(10)).until(() -> !serverPeers.inboundProblems().isEmpty());
        String logged = serverPeers.inboundProblems().get(0);
        assertTrue(logged.contains("presented CN=global-sessions-app") && logged.contains("it expired at"), logged);
    }

    @Test
    void aPlaintextClientIsNamedAsSuchByTheServer() {
        ActorSystem<String> server = server(dir.resolve("certs"), "node", NODE_ACCEPTS);
        TlsPeers serverPeers = TlsPeers.get(server);
        ActorSystem<Void> plain = start(Behaviors.empty(), null, "app", EDGE_ACCEPTS);

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ping(plain, server, Duration.ofMillis(200));
            return !serverPeers.inboundProblems().isEmpty();
        });
        String logged = serverPeers.inboundProblems().get(0);
        assertTrue(logged.contains("connected without TLS (plain TCP)") && logged.contains("tls.enabled = false"), logged);
    }

    // ---- helpers ----

    private ActorSystem<String> server(Path certs, String identity, List<String> accepts) {
        Behavior<String> echo = Behaviors.receive((ctx, message) -> {
            ActorRef<String> replyTo = ActorRefResolver.get(ctx.getSystem()).resolveActorRef(message);
            replyTo.tell("pong");
            return Behaviors.same();
        });
        return start(echo, certs, identity, accepts);
    }

    private ActorSystem<Void> client(Path certs, String identity, List<String> accepts) {
        return start(Behaviors.empty(), certs, identity, accepts);
    }

    private <T> ActorSystem<T> start(Behavior<T> guardian, Path certs, String identity, List<String> accepts) {
        Map<String, Object> keys = new HashMap<>();
        String root = GlobalSessionsSettings.ROOT + ".";
        keys.put(root + "hostname", "127.0.0.1");
        keys.put(root + "tls.enabled", certs != null);
        if (certs != null) {
            keys.put(root + "tls.key-file", certs.resolve(identity + ".key").toString());
            keys.put(root + "tls.cert-file", certs.resolve(identity + ".crt").toString());
            keys.put(root + "tls.ca-file", certs.resolve("ca.crt").toString());
            keys.put(IdentitySSLEngineProvider.SECTION + ".accept-inbound", accepts);
            keys.put(IdentitySSLEngineProvider.SECTION + ".accept-outbound", accepts);
        }
        GlobalSessionsSettings settings = SettingsReader.read(ConfigFactory.parseMap(keys, "test"), "test");
        ActorSystem<T> system = NodeBootstrap.start(guardian, settings, PekkoConfig.Kind.EDGE);
        systems.add(system);
        return system;
    }

    private static String hostPort(ActorSystem<?> system) {
        return system.address().getHost().get() + ":" + system.address().getPort().get();
    }

    /** Pings {@code server} from {@code client} every 100 ms until it answers or {@code within} runs out. */
    private static boolean ping(ActorSystem<?> client, ActorSystem<?> server, Duration within) {
        CompletableFuture<String> pong = new CompletableFuture<>();
        ActorRef<String> inbox = client.systemActorOf(Behaviors.receiveMessage(m -> {
            pong.complete(m);
            return Behaviors.stopped();
        }), "inbox-" + System.nanoTime(), Props.empty());
        ActorRef<String> target = ActorRefResolver.get(client).resolveActorRef(server.address() + "/user");
        String me = ActorRefResolver.get(client).toSerializationFormat(inbox);
        try {
            await().atMost(within).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100)).until(() -> {
                target.tell(me);
                return pong.isDone();
            });
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    /** Pings until {@code peers} records a problem with the server; returns it. */
    private static String awaitProblem(ActorSystem<?> client, ActorSystem<?> server, TlsPeers peers) {
        String address = hostPort(server);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ping(client, server, Duration.ofMillis(300));
            return peers.problemWith(address).isPresent();
        });
        return peers.problemWith(address).get();
    }
}
