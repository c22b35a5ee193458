package org.globalsessions.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.ShmDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The distribution as an operator installs it (issue 23, item 3): {@code mvn package} makes
 * {@code launcher/target/global-sessions-<version>.tar.gz}; this unpacks it into a directory of its
 * own outside the source tree and runs everything through its {@code bin/global-sessions}, with
 * only {@code JAVA_HOME} and a PATH of {@code /usr/bin:/bin} (no Maven, no checkout): it makes
 * certificates, starts a node from its {@code conf/all.conf} (every role; ports changed to free
 * ones), stores and reads a session with the admin commands, and stops the node with SIGTERM, as
 * systemd does, which must be a clean exit (status 0) so {@code Restart=on-failure} leaves it
 * stopped. The unit file is checked for what docs/operations.md promises of it.
 */
class DistributionIT {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);
    private final List<Process> started = new ArrayList<>();
    private Path dir;
    private int port = -1;

    @AfterEach
    void cleanUp() throws Exception {
        for (Process process : started) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (port > 0) {
            Files.deleteIfExists(Path.of("/dev/shm/global-sessions-relay-" + port + ".lru"));
        }
        if (dir != null) {
            ShmDirectory.delete(dir);
        }
    }

    @Test
    void theTarballRunsANodeWithoutMaven() throws Exception {
        Path tarball = Path.of(System.getProperty("gs.dist.tarball"));
        assertTrue(Files.isReadable(tarball), "mvn package made " + tarball);
        dir = Files.createTempDirectory("gs-dist-");
        Result untar = run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), dir);
        assertEquals(0, untar.exit(), untar.err());
        String name = tarball.getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
        Path home = dir.resolve(name);
        for (String part : List.of("bin/global-sessions", "lib/global-sessions.jar", "lib/jvm.flags", "conf/all.conf",
                "conf/relay.conf", "conf/client.conf", "systemd/global-sessions@.service", "LICENSE", "NOTICE", "THIRD-PARTY.txt")) {
            assertTrue(Files.isRegularFile(home.resolve(part)), "the distribution has " + part);
        }
        String thirdParty = Files.readString(home.resolve("THIRD-PARTY.txt"));
        assertTrue(thirdParty.contains("org.apache.pekko:pekko-actor_2.13") && thirdParty.contains("Apache"),
                "THIRD-PARTY.txt lists the bundled libraries with their licences");
        assertTrue(Files.isExecutable(home.resolve("bin/global-sessions")), "bin/global-sessions is executable");

        String unit = Files.readString(home.resolve("systemd/global-sessions@.service"));
        assertTrue(unit.contains("Restart=on-failure"), "a downed node (exit 3) comes back: " + unit);
        assertTrue(unit.contains("ExecStart=/opt/global-sessions/bin/global-sessions /etc/global-sessions/%i.conf"), unit);

        Result certs = run(List.of("bin/global-sessions", "certs", "--out", "certs", "--hosts", "127.0.0.1"), home);
        assertEquals(0, certs.exit(), certs.out() + certs.err());

        port = FreePorts.next();
        int metricsPort = FreePorts.next();
        Path config = home.resolve("conf/node.conf");
        Files.writeString(config, Files.readString(home.resolve("conf/all.conf"))
                .replace("port = 25520", "port = " + port)
                .replace("metrics.port = 9464", "metrics.port = " + metricsPort));
        Process node = start(List.of("bin/global-sessions", "conf/node.conf"), home, home.resolve("node.log").toFile());

        String relay = "127.0.0.1:" + port;
        List<String> admin = List.of("--relay", relay, "--certs", "certs");
        // The node is serving once a write through it is acknowledged (JVM start and cluster formation: seconds).
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertTrue(node.isAlive(), () -> "the node exited " + node.exitValue() + ": " + log(home));
            Result set = run(concat(List.of("bin/global-sessions", "set", "dist-check", "from-the-tarball"), admin), home);
            assertEquals(0, set.exit(), set.out() + set.err());
        });
        Result get = run(concat(List.of("bin/global-sessions", "get", "dist-check"), admin), home);
        assertEquals(0, get.exit(), get.err());
        assertEquals("from-the-tarball", get.out().trim());

        new ProcessBuilder("kill", "-TERM", Long.toString(node.pid())).start().waitFor();
        assertTrue(node.waitFor(60, TimeUnit.SECONDS), "the node stops within 60 s of SIGTERM");
        assertEquals(0, node.exitValue(), "a stop is a clean exit, not restarted by Restart=on-failure: " + log(home));
    }

    private record Result(int exit, String out, String err) {
    }

    /** The environment of an installed node: its Java, and a PATH without Maven or the checkout. */
    private static ProcessBuilder installed(List<String> command, Path workingDirectory) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
        builder.environment().clear();
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("PATH", "/usr/bin:/bin");
        builder.environment().put("HOME", workingDirectory.toString());
        builder.environment().put("JAVA_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dchronicle.analytics.disable=true");
        return builder;
    }

    private Process start(List<String> command, Path workingDirectory, File log) throws IOException {
        Process process = installed(command, workingDirectory).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        started.add(process);
        return process;
    }

    private Result run(List<String> command, Path workingDirectory) throws Exception {
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        Process process = installed(command, workingDirectory).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            return new Result(-1, Files.readString(out), String.join(" ", command) + " did not end within " + COMMAND_TIMEOUT);
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String log(Path home) {
        try {
            return Files.readString(home.resolve("node.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
