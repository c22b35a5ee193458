package org.globalsessions.launcher;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.Metrics;
import org.globalsessions.testkit.NodeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code global-sessions} command run as a user runs it: the shaded jar in its own JVM,
 * real arguments, real exit codes and messages. Runs after {@code package} (failsafe).
 */
class LauncherIT {

    @TempDir
    Path dir;

    private final List<ChildJvm> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ChildJvm::close);
        try (Stream<Path> tables = Files.list(Path.of("/dev/shm"))) {
            tables.filter(p -> p.getFileName().toString().matches("global-sessions-(relay-" + relayPort + "\\.lru|up-" + relayPort + "\\.certs)"))
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int relayPort = -1;

    /** {@code global-sessions args} in the test's directory. */
    private ChildJvm.Builder command(String... args) {
        return ChildJvm.jar(Path.of(System.getProperty("gs.launcher.jar"))).directory(dir).args(Arrays.asList(args));
    }

    /** Runs a command to its end (at most 90 s). */
    private ChildJvm.Result run(String... args) {
        return command(args).run(Duration.ofSeconds(90));
    }

    private ChildJvm start(ChildJvm.Builder command) {
        ChildJvm child = command.start();
        started.add(child);
        return child;
    }

    @Test
    void helpListsTheCommands() throws Exception {
        ChildJvm.Result r = run("--help");
        assertEquals(0, r.exit());
        for (String command : List.of("up", "certs", "inspect", "get", "set", "del", "--role", "--seed-node")) {
            assertTrue(r.out().contains(command), command + " missing from:\n" + r.out());
        }
    }

    @Test
    void noArgumentsPrintsUsageAndExits2() throws Exception {
        ChildJvm.Result r = run();
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Usage: global-sessions"), r.err());
    }

    @Test
    void badFlagUnknownRoleMissingFileAndBadConfigAreClearErrors() throws Exception {
        ChildJvm.Result r = run("--prot", "1");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Unknown option: '--prot'"), r.err());

        r = run("--role", "cache-master");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown role 'cache-master'; known roles: relay, sibling, relief-expansion, relief-aging, all"), r.err());

        r = run("missing.conf");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("missing.conf: no such file"), r.err());

        Files.writeString(dir.resolve("bad.conf"), "global-sessions {\n  roles = [relay]\n  port = \"seventy\"\n}\n");
        r = run("bad.conf");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.conf: line 3: global-sessions.port = \"seventy\""), r.err());

        r = run("--role", "relay");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("tls.key-file = : is required while tls.enabled = true"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose:\n" + r.err());
    }

    @Test
    void exampleConfigsOfBothShapesLoad() throws Exception {
        Path conf = dir.resolve("conf");
        copyTree(Path.of(System.getProperty("gs.conf.dir")), conf);
        assertEquals(0, run("certs", "--out", "conf/certs", "--hosts", "127.0.0.1").exit());
        assertEquals(0, run("certs", "--out", "conf/topology/certs", "--hosts", "10.0.0.10,10.0.0.21,10.0.0.22").exit());
        List<String> files = List.of("seed/mid_relay.conf", "seed/sibling.conf", "seed/replicator.conf", "seed/pressure.conf",
                "native/relay.conf", "native/sibling.conf", "native/relief-expansion.conf", "native/relief-aging.conf",
                "native/all.conf", "topology/relay-host.conf", "topology/relief-1.conf", "topology/relief-2.conf");
        for (String file : files) {
            ChildJvm.Result r = run("conf/" + file, "--check");
            assertEquals(0, r.exit(), file + ": " + r.err());
        }
        assertTrue(run("conf/seed/replicator.conf", "--check").out().contains("relief-expansion"));
        assertTrue(run("conf/seed/pressure.conf", "--check").out().contains("relief-aging"));
        assertTrue(run("conf/seed/mid_relay.conf", "--check").out().contains("relay+sibling on 127.0.0.1:7878"));

        // An application's file, either shape, given to the server launcher says what it is and how to use it.
        for (String file : List.of("seed/client.json", "native/client.conf")) {
            ChildJvm.Result r = run("conf/" + file);
            assertEquals(2, r.exit(), file + ": " + r.err());
            assertTrue(r.err().contains("conf/" + file + ": a client file ("), r.err());
            assertTrue(r.err().contains("it configures an application, not a node. Load it in the application with "
                    + "SessionCacheManager.fromConfig(Path.of(\"conf/" + file + "\"))"), r.err());
        }
    }

    @Test
    void upAnswersAClientInAnotherJvmAndStopsCleanlyOnSigterm() throws Exception {
        relayPort = FreePorts.next();
        int metricsPort = FreePorts.next();
        Path errors = dir.resolve("up.err");
        ChildJvm up = start(command("up", "--port", Integer.toString(relayPort), "--metrics-port", Integer.toString(metricsPort))
                .errorLog(errors));
        String line = up.readLine(Duration.ofSeconds(90));
        assertNotNull(line, "up printed nothing; stderr: " + Files.readString(errors));
        assertTrue(line.startsWith("global-sessions up: relay, sibling, relief-expansion and relief-aging on 127.0.0.1:" + relayPort), line);
        assertTrue(line.contains(".relays(\"127.0.0.1:" + relayPort + "\")"), line);
        assertTrue(Files.isReadable(dir.resolve(".global-sessions/certs/node.key")), "development certificates made on first run");

        String relay = "127.0.0.1:" + relayPort;
        // From another folder, without --certs: the certificates of the up serving --relay.
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        ChildJvm.Result set = command("set", "alice", "{\"user\":\"alice\"}", "--relay", relay).directory(elsewhere)
                .run(Duration.ofSeconds(90));
        assertEquals(0, set.exit(), set.err());
        assertTrue(set.out().startsWith("stored alice at version "), set.out());
        ChildJvm.Result get = run("get", "alice", "--relay", relay);
        assertEquals(0, get.exit(), get.err());
        assertEquals("{\"user\":\"alice\"}", get.out().trim());
        ChildJvm.Result missing = run("get", "bob", "--relay", relay);
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no session bob"), missing.err());

        // inspect and the Prometheus endpoint read the same shared counters.
        Path table = Path.of("/dev/shm/global-sessions-relay-" + relayPort + ".lru");
        ChildJvm.Result inspect = run("inspect", table.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        long entries = number(inspect.out(), "entries\\s+(\\d+)");
        long hits = number(inspect.out(), "hits\\s+(\\d+)");
        String metrics = Metrics.scrape(metricsPort);
        assertEquals(entries, (long) Double.parseDouble(value(metrics, "global_sessions_table_entries\\{table=\"l2\"\\} (\\S+)")));
        assertEquals(hits, (long) Double.parseDouble(value(metrics, "global_sessions_table_hits_total\\{table=\"l2\"\\} (\\S+)")));
        assertTrue(metrics.contains("global_sessions_relief_shards_hosted{tier=\"expansion\"}"), "shards hosted are reported");

        // Both relief tiers have placed shards by now (the set and the misses went through them).
        List<String> first = new ArrayList<>(List.of(line));
        first.addAll(Files.readAllLines(errors));
        first = first.subList(0, Math.min(20, first.size()));
        // Pekko's own warning that a cluster heartbeat left late says the machine was busy (the
        // suite's other JVMs), not that up is misconfigured: every other warning fails the test.
        assertTrue(first.stream().noneMatch(l -> l.contains("WARN") && !(l.contains("[ClusterHeartbeat]")
                && l.contains("Scheduled sending of heartbeat was delayed"))), "up's first 20 lines:\n" + String.join("\n", first));
        assertEquals(1, first.stream().filter(l -> l.contains("INFO") && l.contains("every role runs in this one JVM")
                && l.contains("a crash of it loses the sessions")).count(), "said once what up does not protect against:\n"
                + String.join("\n", first));

        ChildJvm.Result del = run("del", "alice", "--relay", relay);
        assertEquals(0, del.exit(), del.err());
        assertEquals(1, run("get", "alice", "--relay", relay).exit(), "a deleted session is gone");

        // The relay found alice's tombstone without taking a lock; inspect, another process, counts
        // that miss once the relay publishes its counters (within a second), as its metrics do at once.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            long inspected = number(run("inspect", table.toString()).out(), "misses\\s+(\\d+)");
            return inspected == (long) Double.parseDouble(value(Metrics.scrape(metricsPort),
                    "global_sessions_table_misses_total\\{table=\"l2\"\\} (\\S+)"));
        });
        inspect = run("inspect", table.toString());
        assertTrue(Pattern.compile("entries\\s+0 \\(1 tombstone; ").matcher(inspect.out()).find(),
                "the deleted session's tombstone is not an entry:\n" + inspect.out());

        inspectWatchShowsWhatChanges(table, relay);

        // Session id and value from standard input: nothing secret in the process list.
        ChildJvm piped = start(command("set", "--key-file", "-", "--value-file", "-", "--relay", relay));
        piped.writeLine("dave");
        piped.writeLine("{\"user\":\"dave\"}");
        piped.closeInput();
        assertTrue(piped.exits(Duration.ofSeconds(90)));
        assertEquals(0, piped.exitValue());
        ChildJvm pipedGet = start(command("get", "--key-file", "-", "--relay", relay));
        pipedGet.writeLine("dave");
        pipedGet.closeInput();
        assertEquals("{\"user\":\"dave\"}", linesUntil(pipedGet, "\\{.*"));

        // An application's identity is not an operator's: the admin commands refuse it, naming it.
        Path appCerts = Files.createDirectory(dir.resolve("app-certs"));
        Path certs = dir.resolve(".global-sessions/certs");
        Files.copy(certs.resolve("app.key"), appCerts.resolve("operator.key"));
        Files.copy(certs.resolve("app.crt"), appCerts.resolve("operator.crt"));
        Files.copy(certs.resolve("ca.crt"), appCerts.resolve("ca.crt"));
        ChildJvm.Result asApp = run("get", "alice", "--relay", relay, "--certs", appCerts.toString());
        assertEquals(2, asApp.exit(), asApp.err());
        assertTrue(asApp.err().contains("CN=global-sessions-app (identity app") && asApp.err().contains("need the operator identity"),
                asApp.err());

        assertEquals(0, up.stop(Duration.ofSeconds(30)), "up stops cleanly on SIGTERM");
        String stderr = Files.readString(errors);
        assertTrue(stderr.contains("stopped"), stderr);
        assertFalse(stderr.contains("ReplicaPlacement"), "replicas sharing up's one node are no warning:\n" + stderr);
        assertFalse(Files.exists(UpCommand.certsNote(relayPort)), "up removes the note of its certificates when it stops");
    }

    /** {@code inspect --watch} prints the table again every interval, with what changed; {@code --count} ends it. */
    private void inspectWatchShowsWhatChanges(Path table, String relay) throws Exception {
        ChildJvm watch = start(command("inspect", table.toString(), "--watch", "--interval", "1"));
        assertNotNull(linesUntil(watch, "entries\\s+0 "), "inspect --watch printed no table");
        assertEquals(0, run("set", "carol", "x", "--relay", relay).exit());
        assertNotNull(linesUntil(watch, "entries\\s+1 \\(1 tombstone"), "inspect --watch did not show the new session");
        watch.close();

        ChildJvm.Result twice = run("inspect", table.toString(), "--watch", "--interval", "1", "--count", "2");
        assertEquals(0, twice.exit(), twice.err());
        assertEquals(2, twice.out().lines().filter(l -> l.startsWith("table ")).count(), twice.out());
    }

    /** Reads {@code child}'s output until a line matches {@code regex} (null if none within 60 s). */
    private static String linesUntil(ChildJvm child, String regex) {
        Pattern wanted = Pattern.compile(regex);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String line = child.readLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (line == null || wanted.matcher(line).find()) {
                return line;
            }
        }
        return null;
    }

    /**
     * A node the others cannot reach (here: stopped with SIGSTOP) is downed by the split brain
     * resolver; once it runs again it learns that, stops, says so and exits 3, so a supervisor
     * knows to start it again, and does not exit 0 as if it had been told to stop.
     */
    @Test
    void aNodeTheClusterRemovedSaysSoAndExits3() throws Exception {
        assertEquals(0, run("certs", "--out", "certs", "--hosts", "127.0.0.1").exit());
        int[] ports = {FreePorts.next(), FreePorts.next()};
        Arrays.sort(ports); // equal halves: keep-majority keeps the side with the lowest address, the seed's
        int seedMetrics = FreePorts.next();
        Path seed = nodeConfig("seed", "relay", ports[0], seedMetrics);
        Path relief = nodeConfig("relief", "relief-expansion", ports[1], 0, ports[0]);
        ChildJvm seedNode = start(command(seed.toString()).log(dir.resolve("seed.log")));
        ChildJvm reliefNode = start(command(relief.toString()).log(dir.resolve("relief.log")));
        await().atMost(Duration.ofSeconds(90)).until(() -> Metrics.value(seedMetrics, Metrics.MEMBERS_UP) == 2);

        new ProcessBuilder("kill", "-STOP", Long.toString(reliefNode.pid())).start().waitFor();
        await().atMost(Duration.ofSeconds(60)).until(() -> Metrics.value(seedMetrics, Metrics.MEMBERS_UP) == 1);
        new ProcessBuilder("kill", "-CONT", Long.toString(reliefNode.pid())).start().waitFor();

        int exit = reliefNode.waitFor(Duration.ofSeconds(60)); // the removed node stops
        String log = Files.readString(dir.resolve("relief.log"));
        assertEquals(3, exit, log);
        assertTrue(log.contains("relief-expansion on 127.0.0.1:" + ports[1] + " was removed from the cluster"), log);
        assertTrue(log.contains("restart it and it joins again"), log);
        assertTrue(seedNode.isAlive(), "the seed keeps running");
    }

    /** A node's config in the test's directory: certificates in certs/ (relative), fast failure detection. */
    private Path nodeConfig(String name, String role, int port, int metricsPort, int... seedPorts) {
        return NodeConfig.node(port).roles(role).seedPorts(seedPorts).tls(Path.of("certs")).metricsPort(metricsPort)
                .set("relay.table.path", dir.resolve(name + ".lru"))
                .set("pekko.cluster.failure-detector.acceptable-heartbeat-pause", "2s")
                .set("pekko.cluster.split-brain-resolver.stable-after", "2s")
                .writeTo(dir.resolve(name + ".conf"));
    }

    /**
     * get/set/del looked for {@code .global-sessions/certs} in the current folder only, so they
     * failed from any other folder while {@code up} ran (issue 23); with no certificates anywhere
     * they say where they looked and how to point them elsewhere.
     */
    @Test
    void getWithoutCertificatesSaysWhereItLookedAndHowToPointItElsewhere() throws Exception {
        relayPort = FreePorts.next();
        ChildJvm.Result r = run("get", "alice", "--relay", "127.0.0.1:" + relayPort);
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("no running `up` on port " + relayPort), r.err());
        assertTrue(r.err().contains(dir.toRealPath().resolve(".global-sessions/certs") + " (no operator.key there)"), r.err());
        assertTrue(r.err().contains("pass --certs DIR"), r.err());

        r = run("get", "alice", "--relay", "127.0.0.1:" + relayPort, "--certs", "nowhere");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--certs " + dir.toRealPath().resolve("nowhere") + ": no readable operator.key there"), r.err());
    }

    @Test
    void certsWritesTheIdentitiesAndKeepsTheCaApart() throws Exception {
        ChildJvm.Result r = run("certs", "--out", "certs", "--hosts", "10.1.2.3,relay.example");
        assertEquals(0, r.exit(), r.err());
        for (String file : List.of("ca.crt", "10.1.2.3.key", "10.1.2.3.crt", "relay.example.crt", "node.key", "node.crt", "app.key",
                "operator.key")) {
            assertTrue(Files.isReadable(dir.resolve("certs").resolve(file)), file);
        }
        assertFalse(Files.exists(dir.resolve("certs/ca.key")), "the CA key is kept apart");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("certs-ca/ca.key"))));
        assertEquals(0, run("certs", "--out", "more", "--ca", "certs-ca", "--hosts", "10.1.2.4").exit());
    }

    @Test
    void inspectOfAForeignFileSaysWhy() throws Exception {
        Path foreign = Files.writeString(dir.resolve("foreign.lru"), "not a table".repeat(40));
        Files.setPosixFilePermissions(foreign, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        ChildJvm.Result r = run("inspect", foreign.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("is not a global-sessions table"), r.err());
    }

    private static long number(String text, String regex) {
        return Long.parseLong(value(text, regex));
    }

    private static String value(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " not in:\n" + text);
        return m.group(1);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.toString().contains("/certs/")) {
                    Files.copy(source, target);
                }
            }
        }
    }
}
