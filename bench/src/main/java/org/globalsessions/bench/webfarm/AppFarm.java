package org.globalsessions.bench.webfarm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.globalsessions.bench.ChronicleFlags;
import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.testkit.ChildJvm;

/**
 * The web farm's app processes: {@value #HOSTS} hosts × {@value #PROCESSES_PER_HOST} processes,
 * each its own JVM running {@link AppServer} on a port of 127.0.0.1. Hosts are simulated by
 * table files: process 0 of a host starts first and creates the host's table, the other three
 * attach to it once it is ready (for the Redis backends the waves are the same, and no table).
 *
 * <p>JVM sizing ({@link #JVM_OPTIONS}): twelve app JVMs, the cluster's nodes and the load
 * generator share 2 vCPUs, so each app gets a small fixed heap (192 MB: a near cache of every
 * live session, about 100 000 × 300 bytes, fits with room) pre-touched so that no first touch of
 * a page lands in a measurement, and the serial collector, which adds no GC threads (a parallel
 * collector would start a pool per JVM to fight over the same two vCPUs) and pauses for a few ms
 * on a heap this small.
 *
 * <p>{@link #close} closes each app's standard input (it closes its backend and exits), kills
 * what has not exited within 20 s, and deletes the host tables.
 */
final class AppFarm implements AutoCloseable {

    static final int HOSTS = 3;
    static final int PROCESSES_PER_HOST = 4;
    static final List<String> JVM_OPTIONS = List.of("-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);

    /** The backend options of process {@code process} (0 creates the table) on host {@code host}. */
    interface Arguments {
        List<String> of(int host, int process);
    }

    /** An app process; {@code port} is known once it printed {@code ready PORT}. */
    private static final class App {
        final String name;
        final ChildJvm jvm;
        final Path log;
        int port;

        App(String name, ChildJvm jvm, Path log) {
            this.name = name;
            this.jvm = jvm;
            this.log = log;
        }
    }

    private final List<App> apps = new ArrayList<>();
    private final List<Path> tables;
    private final Path jfr;

    private AppFarm(List<Path> tables, Path jfr) {
        this.tables = tables;
        this.jfr = jfr;
    }

    /**
     * Starts every app with {@code arguments} (logs in {@code directory}) and waits until each is
     * ready; with a {@code jfr} directory, each records itself there with JFR (null: none).
     */
    static AppFarm start(String backend, Path directory, Arguments arguments, List<Path> tables, Path jfr) {
        AppFarm farm = new AppFarm(tables, jfr);
        try {
            for (int wave = 0; wave < 2; wave++) {
                List<App> started = new ArrayList<>();
                for (int host = 0; host < HOSTS; host++) {
                    for (int process = wave == 0 ? 0 : 1; process < (wave == 0 ? 1 : PROCESSES_PER_HOST); process++) {
                        started.add(farm.startApp(backend, directory, host, process, arguments.of(host, process)));
                    }
                }
                farm.awaitReady(started);
            }
            return farm;
        } catch (RuntimeException e) {
            farm.close();
            throw e;
        }
    }

    private App startApp(String backend, Path directory, int host, int process, List<String> backendOptions) {
        String name = backend + "-h" + host + "-p" + process;
        Path log = directory.resolve(name + ".log");
        List<String> args = new ArrayList<>(List.of("--backend", backend));
        args.addAll(backendOptions);
        List<String> options = new ArrayList<>(JVM_OPTIONS);
        if (jfr != null) {
            options.add("-XX:StartFlightRecording=filename=" + jfr.resolve(name + ".jfr") + ",settings=profile");
            options.add("-Xlog:jfr+startup=off"); // its notice goes to stdout, where the app says it is ready
        }
        ChildJvm jvm = ChildJvm.mainClass(AppServer.class).flags(ChronicleFlags.ALL).options(options).args(args)
                .errorLog(log).start();
        App app = new App(name, jvm, log);
        apps.add(app);
        return app;
    }

    private void awaitReady(List<App> started) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (App app : started) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            String line = app.jvm.readLine(left);
            if (line == null || !line.matches("ready \\d+")) {
                throw new IllegalStateException("app " + app.name + " (pid " + app.jvm.pid() + ") is not ready after "
                        + START_TIMEOUT.toSeconds() + " s (printed " + line + "; alive: " + app.jvm.isAlive()
                        + "); the end of " + app.log + ":\n" + tail(app.log));
            }
            app.port = Integer.parseInt(line.substring("ready ".length()));
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The apps' ports, host by host (host 0's four processes first). */
    List<Integer> ports() {
        return apps.stream().sorted((a, b) -> a.name.compareTo(b.name)).map(a -> a.port).toList();
    }

    /** Every app process, for a {@link CpuUse.Clock}. */
    List<CpuUse.Member> members() {
        return apps.stream().map(a -> new CpuUse.Member(a.name, CpuUse.Role.APP, a.jvm.pid())).toList();
    }

    @Override
    public void close() {
        apps.forEach(app -> app.jvm.closeInput());
        for (App app : apps) {
            if (!app.jvm.exits(Duration.ofSeconds(20))) {
                app.jvm.kill();
            }
            app.jvm.close();
        }
        for (Path table : tables) {
            try {
                Files.deleteIfExists(table);
            } catch (IOException e) {
                System.err.println("webfarm: cannot delete " + table + ": " + e);
            }
        }
    }
}
