package org.globalsessions.it.nemesis;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

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
 * overlap freely; those of the server side (the cuts, and pauses of nodes and kills of the relay)
 * come one at a time with {@value #SERVER_GAP_MS} ms of calm after each, and after a relay
 * restart only once the relay sees every node up again: the guarantee covers one failure of the
 * server side, and the workload needs calm stretches to make progress worth checking.
 * It also restarts a process that exited on its own (counted as {@code EXITED}).
 * Thread-safety: one thread runs {@link #run}; {@link #counts} may be read after it returns.
 */
final class Nemesis {

    private static final Logger log = LoggerFactory.getLogger(Nemesis.class);
    static final long INTERVAL_MS = 500;
    static final int MAX_ACTIVE = 5;
    /** The token every fault of the server side (relay, relief tier) holds: one at a time. */
    private static final String SERVER_TOKEN = "server";
    /** Calm on the server side between two of its faults. */
    static final long SERVER_GAP_MS = 4_000;

    enum Kind { ISOLATE_EDGE, CUT_RELAY_FROM_RELIEF, CUT_RELIEF_NODE, PAUSE, KILL_RESTART, CLOCK_SKEW, EXITED }

    private record Fault(Kind kind, String target, Set<String> tokens, long endsAt, Runnable undo) {
    }

    private final NemesisCluster cluster;
    private final Random random;
    private final List<Fault> active = new ArrayList<>();
    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
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
        }
    }

    Map<Kind, Integer> counts() {
        return counts;
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

    private boolean free(Set<String> tokens) {
        return tokens.stream().noneMatch(this::held);
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
        Kind[] kinds = server
                ? new Kind[] {Kind.CUT_RELAY_FROM_RELIEF, Kind.CUT_RELIEF_NODE, Kind.PAUSE, Kind.KILL_RESTART}
                : new Kind[] {Kind.ISOLATE_EDGE, Kind.PAUSE, Kind.KILL_RESTART, Kind.CLOCK_SKEW};
        for (int attempt = 0; attempt < 10; attempt++) {
            Fault fault = plan(kinds[random.nextInt(kinds.length)], now, server);
            if (free(fault.tokens())) {
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
                return new Fault(kind, host.name(), Set.of("host:" + host.name()), now + duration(1_500, 4_000),
                        () -> cluster.net.rejoin(host));
            }
            case CUT_RELAY_FROM_RELIEF -> {
                return new Fault(kind, "relay", serverToken, now + duration(1_500, 4_000), serverUndo(() ->
                        cluster.reliefHosts.values().forEach(h -> cluster.net.mend(cluster.relayHost, h))));
            }
            case CUT_RELIEF_NODE -> {
                NetNamespaces.Host host = cluster.reliefHosts.get(pick(NemesisCluster.RELIEF));
                return new Fault(kind, host.name(), serverToken, now + duration(1_500, 4_000), serverUndo(() ->
                        cluster.reliefHosts.values().stream().filter(h -> h != host).forEach(h -> cluster.net.mend(host, h))));
            }
            case PAUSE -> {
                long ends = now + duration(5_000, 15_000);
                if (server) {
                    NodeProcess node = pick(cluster.nodes());
                    return new Fault(kind, node.name(), serverToken, ends, serverUndo(node::resume));
                }
                NemesisCluster.App app = pick(cluster.apps);
                return new Fault(kind, app.name, Set.of("proc:" + app.name), ends, app::resume);
            }
            case KILL_RESTART -> {
                long ends = now + duration(1_000, 2_000);
                if (server) {
                    return new Fault(kind, "relay", serverToken, ends, serverUndo(() -> {
                        cluster.relay.start();
                        relayRejoining = true;
                    }));
                }
                NemesisCluster.App app = pick(cluster.apps);
                return new Fault(kind, app.name, Set.of("proc:" + app.name), ends,
                        () -> app.start(cluster.apps.size(), startNanos, endNanos));
            }
            case CLOCK_SKEW -> {
                NemesisCluster.App app = pick(cluster.apps);
                return new Fault(kind, app.name, Set.of("proc:" + app.name), now + duration(3_000, 6_000), () -> app.tell("skew 0"));
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
