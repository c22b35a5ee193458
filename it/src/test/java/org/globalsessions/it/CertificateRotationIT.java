package org.globalsessions.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.NodeConfig;
import org.globalsessions.testkit.NodeProcess;
import org.globalsessions.testkit.NodeTopology;

/**
 * Issue 22 item 5, with real processes: a CA replaced without a flag day, as docs/security.md
 * ("Rotating a CA without a flag day") tells an operator to, and an expired certificate. Each node has
 * its own certificate directory, re-read every second ({@code tls.reload-interval}); nothing restarts.
 * <ol>
 *   <li>every node trusts the old and the new CA (the new {@code ca.crt} appended);</li>
 *   <li>a node with a certificate of the new CA joins, and an application of the new CA reads what one
 *       of the old CA wrote, while the relay still presents the old CA's certificate;</li>
 *   <li>the relay and the first relief node get certificates of the new CA, and the old CA leaves every
 *       {@code ca.crt}: an application of the new CA that trusts only the new CA is served (so the relay
 *       presents its new certificate), and a new application of the old CA is refused;</li>
 *   <li>an application with an expired certificate refuses to start, naming it.</li>
 * </ol>
 */
class CertificateRotationIT {

    private static final Logger log = LoggerFactory.getLogger(CertificateRotationIT.class);

    @RegisterExtension
    static final NodeTopology nodes = NodeTopology.builder()
            .directoryPrefix("gs-it-rotation-")
            .launcherJar(Topology.launcherJar())
            .certificates(Topology::certs)
            .common(config -> config
                    .set("hashing", Map.of("seed", 9849381, "shards", 8))
                    .set("tls.reload-interval", "1s")
                    .set("pekko.cluster.failure-detector.acceptable-heartbeat-pause", "8s")) // as everywhere in it/
            .node("r1", List.of("relay", "sibling"), (config, t) -> config.set("relay.table.path", t.file("r1-l2.lru"))
                    .tls(ownCopy(t, "r1")))
            .node("e1", List.of("relief-expansion", "relief-aging"), (config, t) -> config.tls(ownCopy(t, "e1")))
            .build();

    private final List<Processes.Client> clients = new ArrayList<>();

    /** A copy of the topology's certificates for {@code name} alone: its files change while the others' do not. */
    private static Path ownCopy(NodeTopology topology, String name) {
        Path own = topology.file(name + "-certs");
        copy(topology.certs(), own, "node", true);
        return own;
    }

    @AfterEach
    void closeClients() {
        clients.forEach(Processes.Client::close);
    }

    @Test
    void aCaIsReplacedWhileEverythingRunsAndAnExpiredCertificateIsRefused() throws Exception {
        Path old = nodes.certs();
        Processes.Client before = client("before", appOf(old, "before", List.of(old)));
        assertTrue(before.ask("set rotated-session written-under-the-old-ca").startsWith("ok "));

        // 1. A new CA; every node trusts both.
        Path fresh = nodes.file("new");
        Topology.certs(fresh);
        for (String node : List.of("r1", "e1")) {
            bundle(nodes.file(node + "-certs"), List.of(old, fresh));
        }

        // 2. A node of the new CA joins (the others re-read their bundles within a second; its handshakes are
        // retried until they have), and an application of the new CA reads the old one's write.
        Path e2 = nodes.file("e2-certs");
        copy(fresh, e2, "node", true);
        bundle(e2, List.of(old, fresh));
        NodeProcess joiner = nodes.define("e2", NodeConfig.node(FreePorts.next()).roles("relief-expansion", "relief-aging")
                .seedPorts(nodes.node("r1").port()).tls(e2).metricsPort(FreePorts.next())
                .set("hashing", Map.of("seed", 9849381, "shards", 8)).set("tls.reload-interval", "1s")
                .set("pekko.cluster.failure-detector.acceptable-heartbeat-pause", "8s")).start();
        nodes.awaitUp(nodes.running(), 3);
        Processes.Client during = client("during", appOf(fresh, "during", List.of(old, fresh)));
        String read = during.ask("get rotated-session");
        assertTrue(read.startsWith("found ") && read.endsWith(" written-under-the-old-ca"), read);
        assertTrue(during.ask("set rotated-session-2 written-during").startsWith("ok "));

        // 3. The first nodes move to the new CA, then the old CA leaves every bundle.
        for (String node : List.of("r1", "e1")) {
            copy(fresh, nodes.file(node + "-certs"), "node", false);
        }
        for (Path dir : List.of(nodes.file("r1-certs"), nodes.file("e1-certs"), e2)) {
            bundle(dir, List.of(fresh));
        }
        // An application trusting only the new CA is served once the relay presents its new certificate.
        Path strict = appOf(fresh, "strict", List.of(fresh));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Processes.Client attempt = client("strict-" + clients.size(), strict);
            return attempt.ask("get rotated-session-2", 30).startsWith("found");
        });
        // A new application of the old CA is refused once the relay re-read its bundle, and told so.
        Path oldApp = appOf(old, "refused", List.of(old, fresh));
        String[] answer = {""};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            answer[0] = client("refused-" + clients.size(), oldApp).ask("get rotated-session", 60);
            return answer[0].contains("refused this process's certificate CN=global-sessions-app");
        });
        nodes.awaitUp(nodes.running(), 3);
        assertTrue(joiner.alive());

        // 4. An expired certificate of the new CA: the application refuses to start, naming it.
        Path expired = nodes.file("expired-certs");
        Files.createDirectories(expired);
        Instant now = Instant.now();
        Certificates.writeIdentity(Certificates.readAuthority(Certificates.authorityDirectory(fresh)), expired, "app", Identity.APP,
                List.of(), now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        bundle(expired, List.of(fresh));
        Path expiredLog = nodes.logs().resolve("client-expired.log");
        assertThrows(AssertionError.class, () -> Processes.Client.start("expired", expiredLog, List.of(nodes.node("r1").address()),
                expired, nodes.file("host-expired.lru"), true, 64, 600, 0));
        String why = Files.readString(expiredLog);
        assertTrue(why.contains("this process's certificate CN=global-sessions-app (identity app") && why.contains("has expired"), why);
        log.info("rotation: a node of the new CA joined, applications of both CAs were served during the rotation, the old CA's "
                + "new application was refused after it ({}), an expired certificate refused at start", answer[0]);
        nodes.assertNoNodeExitedOnItsOwn();
    }

    private Processes.Client client(String name, Path certs) {
        Processes.Client client = Processes.Client.start(name, nodes.logs().resolve("client-" + name + ".log"),
                List.of(nodes.node("r1").address()), certs, nodes.file("host-" + name + ".lru"), true, 64, 600, 0);
        clients.add(client);
        return client;
    }

    /** An application's certificate directory: the app identity of {@code ca}'s directory, trusting {@code trusted}. */
    private static Path appOf(Path ca, String name, List<Path> trusted) {
        Path dir = nodes.file("app-" + name + "-certs");
        copy(ca, dir, "app", true);
        bundle(dir, trusted);
        return dir;
    }

    /**
     * Puts {@code identity}'s key and certificate of {@code from} into {@code to}, each file replaced in
     * one move (a reader sees the old file or the new one), the key first; with {@code withCa} the CA too.
     */
    private static void copy(Path from, Path to, String identity, boolean withCa) {
        try {
            Files.createDirectories(to);
            List<String> files = new ArrayList<>(List.of(identity + ".key", identity + ".crt"));
            if (withCa) {
                files.add(Certificates.CA_FILE);
            }
            for (String file : files) {
                Path temporary = to.resolve(file + ".new");
                Files.copy(from.resolve(file), temporary, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temporary, to.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code dir}'s {@code ca.crt} becomes the CA certificates of {@code cas}' directories, in one move. */
    private static void bundle(Path dir, List<Path> cas) {
        try {
            StringBuilder pem = new StringBuilder();
            for (Path ca : cas) {
                pem.append(Files.readString(ca.resolve(Certificates.CA_FILE)));
            }
            Path temporary = dir.resolve(Certificates.CA_FILE + ".new");
            Files.writeString(temporary, pem);
            Files.move(temporary, dir.resolve(Certificates.CA_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
