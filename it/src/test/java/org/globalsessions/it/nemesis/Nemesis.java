package org.globalsessions.it.nemesis;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.globalsessions.testkit.Metrics;
import org.globalsessions.testkit.NetNamespaces;
import org.globalsessions.testkit.NodeProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults of the nemesis suite, mixed and overlapping: it starts a fault every
 * {@link #INTERVAL_MS} while fewer than {@link #MAX_ACTIVE} are in place, on a target no other
 * fault holds, and undoes each when its time is up:
 * <ul>
 *   <li>{@code ISOLATE_EDGE}: an application host's switch port down, 1.5–4 s;</li>
 *   <li>{@code CUT_RELAY_FROM_RELIEF}: the relay host cut from every relief node, 1.5–4 s;</li>
 *   <li>{@code CUT_RELIEF_NODE}: one relief node cut from the other relief nodes, 1.5–4 s;</li>
 *   <li>{@code PAUSE}: SIGSTOP of an application process, or of the relay or a relief node, 5–15 s;</li>
 *   <li>{@code KILL_RESTART}: SIGKILL of an application process or the relay, started again on its
 *       old table 1–2 s later;</li>
 *   <li>{@code CLOCK_SKEW}: an application process's wall clock 1–5 minutes ahead or behind, 3–6 s
 *       (on top of a3, whose clock runs 3 minutes behind throughout).</li>
 * </ul>
 * Faults of the application side (isolation, pauses, kills and clocks of application processes)
 * overlap, on a process or a host that has run {@value #REST_MS} ms without a fault since its
 * last one ({@value #REST_AFTER_RESTART_MS} ms after a restart, which starts a JVM), and at most
 * {@value #MAX_APPS_DOWN} application processes are cut off, paused or killed at a time (a
 * skewed clock does not stop a process): the others make progress for the checker to check.
 * Those of the server side (the cuts, and pauses of nodes and kills of the relay) come one at a
 * time with {@value #SERVER_GAP_MS} ms of calm after each, and after a relay restart only once
 * the relay sees every node up again: the guarantee covers one failure of the server side.
 * It also restarts a process that exited on its own (counted as {@code EXITED}).
 *
 * <p>Every fault is kept as an {@link Event}; {@link #recoveries} measures from them and the
 * history how long the processes a fault touched took to complete an operation after it healed.
 * Thread-safety: one thread runs {@link #run}; {@link #counts} and {@link #events} may be read
 * after it returns.
 */
final class Nemesis {

    private static final Logger log = LoggerFactory.getLogger(Nemesis.class);
    static final long INTERVAL_MS = 500;
    static final int MAX_ACTIVE = 5;
    /** The token every fault of the server side (relay, relief tier) holds: one at a time. */
    private static final String SERVER_TOKEN = "server";
    /** Calm on the server side between two of its faults. */
    static final long SERVER_GAP_MS = 4_000;
    /** Calm an application process or host gets after a fault before the next one. */
    static final long REST_MS = 2_000;
    /** Calm an application process gets after it was killed and started again. */
    static final long REST_AFTER_RESTART_MS = 6_000;
    /** At most this many application processes cut off, paused or killed at once. */
    static final int MAX_APPS_DOWN = 2;

    enum Kind { ISOLATE_EDGE, CUT_RELAY_FROM_RELIEF, CUT_RELIEF_NODE, PAUSE, KILL_RESTART, CLOCK_SKEW, EXITED }

    /**
     * A fault in place: the tokens of what it holds ({@code proc:<app>}, {@code host:<host>},
     * {@code server}), the application processes it cuts off, pauses or kills ({@code down}), and
     * when it started and ends.
     */
    private record Fault(Kind kind, String target, Set<String> tokens, Set<String> down, long startedAt, long endsAt,
                         Runnable undo) {
    }

    /**
     * A fault that was applied: {@code affected} are the application processes whose operations
     * it may stop (every one for a fault of the server side), times are {@code System.nanoTime()}.
     */
    record Event(Kind kind, String target, Set<String> affected, long started, long healed) {
    }

    private final NemesisCluster cluster;
    private final Random random;
    private final List<Fault> active = new ArrayList<>();
    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    private final List<Event> events = new ArrayList<>();
    /** nanoTime until which a token rests after its last fault. */
    private final Map<String, Long> restUntil = new HashMap<>();
    private long startNanos;
    private long endNanos;
    /** nanoTime before which no server fault starts. */
    private long serverFreeAt;
    /** A killed relay was started again and has not yet seen every node up. */
    private boolean relayRejoining;

    Nemesis(NemesisCluster cluster, long seed) {
        this.cluster = cluster;
        this.random = new Random(seed);
        for (Kind kind : Kind.values()) {
            counts.put(kind, 0);
        }
    }

    /** Faults until {@code endNanos}, then undoes every fault in place. */
    void run(long startNanos, long endNanos) {
        this.startNanos = startNanos;
        this.endNanos = endNanos;
        long nextStart = System.nanoTime();
        try {
            while (System.nanoTime() < endNanos) {
                long now = System.nanoTime();
                undoDue(now);
                superviseExits();
                if (active.size() < MAX_ACTIVE && now >= nextStart) {
                    startOne(now);
                    nextStart = now + INTERVAL_MS * 1_000_000;
                }
                NemesisCluster.sleep(100);
            }
        } finally {
            undoDue(Long.MAX_VALUE);
            cluster.net.healAll();
            writeEvents();
        }
    }

    /** The faults, one per line, beside the histories (kept with them when a run fails). */
    private void writeEvents() {
        List<String> lines = events.stream().map(e -> e.kind() + "\t" + e.target() + "\t" + String.join(",", new TreeSet<>(e.affected()))
                + "\t" + e.started() + "\t" + e.healed()).toList();
        try {
            Files.write(cluster.histories().resolve("nemesis.events"), lines);
        } catch (IOException e) {
            log.warn("could not write the nemesis events: {}", e.toString());
        }
    }

    /**
     * How long the processes a fault touched took to complete an operation after it healed, per
     * kind of fault: the median and the longest of the first successful completion, by any of
     * them, of an operation invoked after the heal; and how many faults saw none.
     */
    static Map<Kind, String> recoveries(List<Event> events, List<History.Op> history) {
        Map<Kind, List<Long>> millis = new EnumMap<>(Kind.class);
        Map<Kind, Integer> never = new EnumMap<>(Kind.class);
        for (Event event : events) {
            OptionalLong first = history.stream()
                    .filter(op -> op.ok() && op.start() >= event.healed() && event.affected().contains(op.process()))
                    .mapToLong(History.Op::end).min();
            if (first.isPresent()) {
                millis.computeIfAbsent(event.kind(), k -> new ArrayList<>()).add((first.getAsLong() - event.healed()) / 1_000_000);
            } else {
                never.merge(event.kind(), 1, Integer::sum);
            }
        }
        Map<Kind, String> report = new EnumMap<>(Kind.class);
        millis.forEach((kind, list) -> {
            Collections.sort(list);
            report.put(kind, "median " + list.get(list.size() / 2) + " ms, max " + list.get(list.size() - 1) + " ms of "
                    + list.size() + (never.containsKey(kind) ? ", " + never.get(kind) + " without one" : ""));
        });
        never.forEach((kind, n) -> report.putIfAbsent(kind, n + " without one"));
        return report;
    }

    Map<Kind, Integer> counts() {
        return counts;
    }

    List<Event> events() {
        return events;
    }

    /** Faults started, restarts of exited processes not counted. */
    int total() {
        return counts.entrySet().stream().filter(e -> e.getKey() != Kind.EXITED).mapToInt(Map.Entry::getValue).sum();
    }

    private void undoDue(long now) {
        for (Fault fault : new ArrayList<>(active)) {
            if (fault.endsAt() <= now) {
                active.remove(fault);
                try {
                    fault.undo().run();
                } catch (RuntimeException e) {
                    log.warn("undoing {} on {}: {}", fault.kind(), fault.target(), e.toString());
                }
                long healed = System.nanoTime();
                long rest = (fault.kind() == Kind.KILL_RESTART ? REST_AFTER_RESTART_MS : REST_MS) * 1_000_000;
                fault.tokens().forEach(token -> restUntil.put(token, healed + rest));
                events.add(new Event(fault.kind(), fault.target(), affected(fault), fault.startedAt(), healed));
                log.debug("{} s: healed {} {}", seconds(), fault.kind(), fault.target());
            }
        }
    }

    private void superviseExits() {
        for (NemesisCluster.App app : cluster.apps) {
            if (app.exitedOnItsOwn() && !held("proc:" + app.name)) {
                log.warn("{} s: {} exited on its own (status {}); starting it again", seconds(), app, app.jvm().exitValue());
                counts.merge(Kind.EXITED, 1, Integer::sum);
                app.start(cluster.apps.size(), startNanos, endNanos);
            }
        }
        for (NodeProcess node : cluster.nodes()) {
            if (node.exitedOnItsOwn() && !(node == cluster.relay && held(SERVER_TOKEN))) {
                log.warn("{} s: {} exited on its own (status {}); its log:\n{}", seconds(), node, node.exitValue(), node.tail(15));
                counts.merge(Kind.EXITED, 1, Integer::sum);
                node.start();
            }
        }
    }

    private boolean held(String token) {
        return active.stream().anyMatch(f -> f.tokens().contains(token));
    }

    /** No fault holds any of the tokens, and each has rested since its last one. */
    private boolean free(Fault fault, long now) {
        if (fault.tokens().stream().anyMatch(t -> held(t) || restUntil.getOrDefault(t, 0L) > now)) {
            return false;
        }
        Set<String> down = new HashSet<>(fault.down());
        active.forEach(f -> down.addAll(f.down()));
        return fault.down().isEmpty() || down.size() <= MAX_APPS_DOWN;
    }

    /** The application processes a fault may stop: all of them for a fault of the server side. */
    private Set<String> affected(Fault fault) {
        if (fault.tokens().contains(SERVER_TOKEN)) {
            Set<String> all = new HashSet<>();
            cluster.apps.forEach(app -> all.add(app.name));
            return all;
        }
        if (fault.kind() == Kind.CLOCK_SKEW) {
            return Set.of(fault.target());
        }
        return fault.down();
    }

    private long duration(long fromMs, long toMs) {
        return (fromMs + (long) (random.nextDouble() * (toMs - fromMs))) * 1_000_000;
    }

    /**
     * Starts one fault: a server fault (relay or relief tier) when none is in place, the last one
     * ended {@link #SERVER_GAP_MS} ago and a restarted relay is back in the cluster, half of those
     * times; otherwise a fault of the application side.
     */
    private void startOne(long now) {
        boolean server = serverCalm(now) && random.nextBoolean();
        // A kill of the single relay stops every process for its restart (a JVM, then the cluster
        // join: 10-15 s on a loaded machine), so it is drawn half as often as the other server faults.
        Kind[] kinds = server
                ? new Kind[] {Kind.CUT_RELAY_FROM_RELIEF, Kind.CUT_RELAY_FROM_RELIEF, Kind.CUT_RELIEF_NODE, Kind.CUT_RELIEF_NODE,
                        Kind.PAUSE, Kind.PAUSE, Kind.KILL_RESTART}
                : new Kind[] {Kind.ISOLATE_EDGE, Kind.PAUSE, Kind.KILL_RESTART, Kind.CLOCK_SKEW};
        for (int attempt = 0; attempt < 10; attempt++) {
            Fault fault = plan(kinds[random.nextInt(kinds.length)], now, server);
            if (free(fault, now)) {
                apply(fault);
                return;
            }
        }
    }

    private boolean serverCalm(long now) {
        if (held(SERVER_TOKEN) || now < serverFreeAt) {
            return false;
        }
        if (relayRejoining) {
            relayRejoining = !(cluster.relay.alive() && cluster.relay.metric(Metrics.MEMBERS_UP) == cluster.nodes().size());
            serverFreeAt = now + 1_000_000_000L; // ask the relay again in a second at the earliest
        }
        return !relayRejoining;
    }

    /** The server side is calm again {@link #SERVER_GAP_MS} after a server fault ends. */
    private Runnable serverUndo(Runnable undo) {
        return () -> {
            undo.run();
            serverFreeAt = System.nanoTime() + SERVER_GAP_MS * 1_000_000;
        };
    }

    /** A fault of {@code kind} on a random target of the server or application side, with its undo. */
    private Fault plan(Kind kind, long now, boolean server) {
        Set<String> serverToken = Set.of(SERVER_TOKEN);
        switch (kind) {
            case ISOLATE_EDGE -> {
                NetNamespaces.Host host = pick(cluster.edgeHosts);
                Set<String> apps = new HashSet<>();
                cluster.apps.stream().filter(app -> app.host == host).forEach(app -> apps.add(app.name));
                return new Fault(kind, host.name(), Set.of("host:" + host.name()), apps, now, now + duration(1_500, 4_000),
                        () -> cluster.net.rejoin(host));
            }
            case CUT_RELAY_FROM_RELIEF -> {
                return new Fault(kind, "relay", serverToken, Set.of(), now, now + duration(1_500, 4_000), serverUndo(() ->
                        cluster.reliefHosts.values().forEach(h -> cluster.net.mend(cluster.relayHost, h))));
            }
            case CUT_RELIEF_NODE -> {
                NetNamespaces.Host host = cluster.reliefHosts.get(pick(NemesisCluster.RELIEF));
                return new Fault(kind, host.name(), serverToken, Set.of(), now, now + duration(1_500, 4_000), serverUndo(() ->
                        cluster.reliefHosts.values().stream().filter(h -> h != host).forEach(h -> cluster.net.mend(host, h))));
            }
            case PAUSE -> {
                long ends = now + duration(5_000, 15_000);
                if (server) {
                    NodeProcess node = pick(cluster.nodes());
                    return new Fault(kind, node.name(), serverToken, Set.of(), now, ends, serverUndo(node::resume));
                }
                NemesisCluster.App app = pick(cluster.apps);
                return new Fault(kind, app.name, Set.of("proc:" + app.name), Set.of(app.name), now, ends, app::resume);
            }
            case KILL_RESTART -> {
                long ends = now + duration(1_000, 2_000);
                if (server) {
                    return new Fault(kind, "relay", serverToken, Set.of(), now, ends, serverUndo(() -> {
                        cluster.relay.start();
                        relayRejoining = true;
                    }));
                }
                NemesisCluster.App app = pick(cluster.apps);
                return new Fault(kind, app.name, Set.of("proc:" + app.name), Set.of(app.name), now, ends,
                        () -> app.start(cluster.apps.size(), startNanos, endNanos));
            }
            case CLOCK_SKEW -> {
                NemesisCluster.App app = pick(cluster.apps);
                return new Fault(kind, app.name, Set.of("proc:" + app.name), Set.of(), now, now + duration(3_000, 6_000),
                        () -> app.tell("skew 0"));
            }
            default -> throw new IllegalArgumentException("kind=" + kind);
        }
    }

    private void apply(Fault fault) {
        try {
            switch (fault.kind()) {
                case ISOLATE_EDGE -> cluster.net.isolate(host(fault.target()));
                case CUT_RELAY_FROM_RELIEF -> cluster.reliefHosts.values().forEach(h -> cluster.net.cut(cluster.relayHost, h));
                case CUT_RELIEF_NODE -> {
                    NetNamespaces.Host host = cluster.reliefHosts.get(fault.target());
                    cluster.reliefHosts.values().stream().filter(h -> h != host).forEach(h -> cluster.net.cut(host, h));
                }
                case PAUSE -> {
                    if (fault.target().startsWith("a")) {
                        app(fault.target()).pause();
                    } else {
                        node(fault.target()).pause();
                    }
                }
                case KILL_RESTART -> {
                    if (fault.target().equals("relay")) {
                        cluster.relay.kill();
                    } else {
                        app(fault.target()).kill();
                    }
                }
                case CLOCK_SKEW -> {
                    long minutes = 1 + random.nextInt(5);
                    app(fault.target()).tell("skew " + (random.nextBoolean() ? 1 : -1) * minutes * 60_000);
                }
                default -> throw new IllegalArgumentException("kind=" + fault.kind());
            }
        } catch (RuntimeException e) {
            log.warn("{} s: could not apply {} on {}: {}", seconds(), fault.kind(), fault.target(), e.toString());
            return;
        }
        active.add(fault);
        counts.merge(fault.kind(), 1, Integer::sum);
        log.debug("{} s: {} {}", seconds(), fault.kind(), fault.target());
    }

    private NetNamespaces.Host host(String name) {
        return cluster.net.hosts().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    private NemesisCluster.App app(String name) {
        return cluster.apps.stream().filter(a -> a.name.equals(name)).findFirst().orElseThrow();
    }

    private NodeProcess node(String name) {
        return cluster.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    private long seconds() {
        return (System.nanoTime() - startNanos) / 1_000_000_000;
    }
}
