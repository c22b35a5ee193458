package org.globalsessions.launcher;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.globalsessions.runtime.bootstrap.FreePorts;
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

    private final List<Process> started = new ArrayList<>();

    /** What a finished command printed and returned. */
    record Result(int exit, String out, String err) {
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        try (Stream<Path> tables = Files.list(Path.of("/dev/shm"))) {
            tables.filter(p -> p.getFileName().toString().matches("global-sessions-relay-" + relayPort + "\\.lru")).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int relayPort = -1;

    private ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("gs.jvm.flags").trim().split("\\s+")));
        command.add("-jar");
        command.add(System.getProperty("gs.launcher.jar"));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).directory(dir.toFile());
    }

    private Result run(String... args) throws Exception {
        Process p = command(args).start();
        started.add(p);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "global-sessions " + String.join(" ", args) + " did not finish");
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Result r = run("--help");
        assertEquals(0, r.exit());
        for (String command : List.of("up", "certs", "inspect", "get", "set", "del", "--role", "--seed-node")) {
            assertTrue(r.out().contains(command), command + " missing from:\n" + r.out());
        }
    }

    @Test
    void noArgumentsPrintsUsageAndExits2() throws Exception {
        Result r = run();
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Usage: global-sessions"), r.err());
    }

    @Test
    void badFlagUnknownRoleMissingFileAndBadConfigAreClearErrors() throws Exception {
        Result r = run("--prot", "1");
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
            Result r = run("conf/" + file, "--check");
            assertEquals(0, r.exit(), file + ": " + r.err());
        }
        assertTrue(run("conf/seed/replicator.conf", "--check").out().contains("relief-expansion"));
        assertTrue(run("conf/seed/pressure.conf", "--check").out().contains("relief-aging"));
        assertTrue(run("conf/seed/mid_relay.conf", "--check").out().contains("relay+sibling on 127.0.0.1:7878"));
    }

    @Test
    void upAnswersAClientInAnotherJvmAndStopsCleanlyOnSigterm() throws Exception {
        relayPort = FreePorts.next();
        int metricsPort = FreePorts.next();
        Process up = command("up", "--port", Integer.toString(relayPort), "--metrics-port", Integer.toString(metricsPort)).start();
        started.add(up);
        BufferedReader out = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> read(up.getErrorStream()));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(90, TimeUnit.SECONDS);
        assertNotNull(line, "up printed nothing; stderr: " + (up.isAlive() ? "" : errors.get()));
        assertTrue(line.startsWith("global-sessions up: relay, sibling, relief-expansion and relief-aging on 127.0.0.1:" + relayPort), line);
        assertTrue(line.contains(".relays(\"127.0.0.1:" + relayPort + "\")"), line);
        assertTrue(Files.isReadable(dir.resolve(".global-sessions/certs/node.key")), "development certificates made on first run");

        String relay = "127.0.0.1:" + relayPort;
        Result set = run("set", "alice", "{\"user\":\"alice\"}", "--relay", relay);
        assertEquals(0, set.exit(), set.err());
        assertTrue(set.out().startsWith("stored alice at version "), set.out());
        Result get = run("get", "alice", "--relay", relay);
        assertEquals(0, get.exit(), get.err());
        assertEquals("{\"user\":\"alice\"}", get.out().trim());
        Result missing = run("get", "bob", "--relay", relay);
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no session bob"), missing.err());

        // inspect and the Prometheus endpoint read the same shared counters.
        Path table = Path.of("/dev/shm/global-sessions-relay-" + relayPort + ".lru");
        Result inspect = run("inspect", table.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        long entries = number(inspect.out(), "entries\\s+(\\d+)");
        long hits = number(inspect.out(), "hits\\s+(\\d+)");
        String metrics = metrics(metricsPort);
        assertEquals(entries, (long) Double.parseDouble(value(metrics, "global_sessions_table_entries\\{table=\"l2\"\\} (\\S+)")));
        assertEquals(hits, (long) Double.parseDouble(value(metrics, "global_sessions_table_hits_total\\{table=\"l2\"\\} (\\S+)")));
        assertTrue(metrics.contains("global_sessions_relief_shards_hosted{tier=\"expansion\"}"), "shards hosted are reported");

        Result del = run("del", "alice", "--relay", relay);
        assertEquals(0, del.exit(), del.err());
        assertEquals(1, run("get", "alice", "--relay", relay).exit(), "a deleted session is gone");

        new ProcessBuilder("kill", "-TERM", Long.toString(up.pid())).start().waitFor();
        assertTrue(up.waitFor(30, TimeUnit.SECONDS), "up stops on SIGTERM");
        assertEquals(0, up.exitValue());
        assertTrue(errors.get().contains("stopped"), errors.get());
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
        Path seed = nodeConfig("seed", "relay", ports[0], "", seedMetrics);
        Path relief = nodeConfig("relief", "relief-expansion", ports[1], "seed-nodes = [\"127.0.0.1:" + ports[0] + "\"]", 0);
        Process seedNode = command(seed.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("seed.log").toFile()).start();
        started.add(seedNode);
        Process reliefNode = command(relief.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("relief.log").toFile()).start();
        started.add(reliefNode);
        await().atMost(Duration.ofSeconds(90)).until(() -> membersUp(seedMetrics) == 2);

        new ProcessBuilder("kill", "-STOP", Long.toString(reliefNode.pid())).start().waitFor();
        await().atMost(Duration.ofSeconds(60)).until(() -> membersUp(seedMetrics) == 1);
        new ProcessBuilder("kill", "-CONT", Long.toString(reliefNode.pid())).start().waitFor();

        assertTrue(reliefNode.waitFor(60, TimeUnit.SECONDS), "the removed node stops");
        String log = Files.readString(dir.resolve("relief.log"));
        assertEquals(3, reliefNode.exitValue(), log);
        assertTrue(log.contains("relief-expansion on 127.0.0.1:" + ports[1] + " was removed from the cluster"), log);
        assertTrue(log.contains("restart it and it joins again"), log);
        assertTrue(seedNode.isAlive(), "the seed keeps running");
    }

    private Path nodeConfig(String name, String role, int port, String seeds, int metricsPort) throws IOException {
        return Files.writeString(dir.resolve(name + ".conf"), """
                global-sessions {
                  roles = [%s]
                  hostname = "127.0.0.1"
                  port = %d
                  %s
                  tls { key-file = certs/node.key, cert-file = certs/node.crt, ca-file = certs/ca.crt }
                  relay.table.path = "%s"
                  metrics.port = %d
                }
                pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s
                pekko.cluster.split-brain-resolver.stable-after = 2s
                """.formatted(role, port, seeds, dir.resolve(name + ".lru"), metricsPort));
    }

    /** How many members the node serving metrics on {@code metricsPort} sees up; -1 if it does not answer. */
    private static double membersUp(int metricsPort) {
        Matcher m = Pattern.compile("(?m)^global_sessions_cluster_members\\{status=\"up\"\\} (\\S+)$").matcher(metrics(metricsPort));
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** The Prometheus text a node serves on {@code metricsPort}, or empty if it does not answer. */
    private static String metrics(int metricsPort) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Test
    void certsWritesACaAndNodeCertificatesAndRefusesToOverwriteACa() throws Exception {
        Result r = run("certs", "--out", "certs", "--hosts", "10.1.2.3,relay.example");
        assertEquals(0, r.exit(), r.err());
        for (String file : List.of("ca.crt", "ca.key", "10.1.2.3.key", "10.1.2.3.crt", "relay.example.crt", "node.key", "node.crt")) {
            assertTrue(Files.isReadable(dir.resolve("certs").resolve(file)), file);
        }
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("certs/ca.key"))));
        r = run("certs", "--out", "certs");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("already holds a CA"), r.err());
        assertEquals(0, run("certs", "--out", "more", "--ca", "certs", "--hosts", "10.1.2.4").exit());
    }

    @Test
    void inspectOfAForeignFileSaysWhy() throws Exception {
        Path foreign = Files.writeString(dir.resolve("foreign.lru"), "not a table".repeat(40));
        Files.setPosixFilePermissions(foreign, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Result r = run("inspect", foreign.toString());
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
