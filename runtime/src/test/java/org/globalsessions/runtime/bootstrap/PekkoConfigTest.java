package org.globalsessions.runtime.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;

/**
 * The shared-thread layout ({@code dispatcher-threads}): checked on running actor systems, by the
 * threads they start, because a dispatcher key Pekko does not read would change nothing.
 */
class PekkoConfigTest {

    private final List<ActorSystem<Void>> systems = new java.util.ArrayList<>();

    @AfterEach
    void terminate() throws Exception {
        for (ActorSystem<Void> system : systems) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void oneSharedThreadCarriesActorsRemotingAndIo() throws Exception {
        ActorSystem<Void> server = start("one-thread-server", "1");
        ActorSystem<Void> client = start("one-thread-client", "1");
        roundTrip(client, server);

        Set<String> pools = pools("one-thread-");
        assertEquals(Set.of("pekko.actor.default-dispatcher", "pekko.io.pinned-dispatcher"), withoutOwnThreads(pools),
                "pools other than the shared one and the TCP selector: " + pools);
        assertEquals(1, threads("one-thread-server-pekko.actor.default-dispatcher"), "threads of the shared pool: " + pools);
    }

    @Test
    void separateKeepsPekkosOwnPools() throws Exception {
        ActorSystem<Void> server = start("separate-server", "separate");
        ActorSystem<Void> client = start("separate-client", "separate");
        roundTrip(client, server);

        Set<String> pools = pools("separate-");
        assertTrue(pools.contains("pekko.remote.default-remote-dispatcher"), "Artery's streams on their own pool: " + pools);
        assertTrue(pools.contains("pekko.actor.internal-dispatcher"), "Pekko's internal pool: " + pools);
    }

    @Test
    void aGatewayRunsOnItsNodesThreads() throws Exception {
        ActorSystem<Void> node = start("gateway-node", "1");
        GlobalSessionsSettings gatewaySettings = SettingsReader.read(ConfigFactory.parseMap(Map.of("global-sessions.tls.enabled", false,
                "global-sessions.port", 0, "global-sessions.dispatcher-threads", "1", "global-sessions.system-name", "gateway-own")),
                "test");
        ActorSystem<Void> gateway = NodeBootstrap.startGateway(Behaviors.setup(context -> {
            Adapter.actorOf(context, Props.create(ThreadName.class), "echo");
            return Behaviors.empty();
        }), gatewaySettings, node.executionContext());
        systems.add(gateway);
        ActorSystem<Void> client = start("gateway-client", "1");

        Object thread = ask(client, gateway.address() + "/user/echo");
        assertTrue(String.valueOf(thread).startsWith("gateway-node-pekko.actor.default-dispatcher-"),
                "the gateway's actor ran on " + thread + ", not on the node's pool");
        Set<String> pools = withoutOwnThreads(pools("gateway-own-"));
        assertEquals(Set.of("pekko.io.pinned-dispatcher"), pools, "the gateway's own pools: only its TCP selector");
    }

    @Test
    void theSchedulerTicksAtTheProjectsTickAndOwnConfigWins() {
        Duration tick = ConfigFactory.parseString("tick = " + PekkoConfig.SCHEDULER_TICK).getDuration("tick");
        ActorSystem<Void> system = start("ticks", "1");
        // The running scheduler's own figure (1 s / its tick), not the config it was given.
        assertEquals(1_000.0 / tick.toMillis(), Adapter.toClassic(system).scheduler().maxFrequency(), 1e-9);

        GlobalSessionsSettings own = SettingsReader.read(ConfigFactory.parseMap(Map.of("global-sessions.tls.enabled", false,
                "global-sessions.port", 0, "pekko.scheduler.tick-duration", "10ms")), "test");
        assertEquals(Duration.ofMillis(10), PekkoConfig.of(own, PekkoConfig.Kind.EDGE).getDuration("pekko.scheduler.tick-duration"));
    }

    @Test
    void arteryWaitsForItsBindingAsLongAsTheProjectSays() {
        ActorSystem<Void> system = start("binds", "1");
        // The running transport's own setting (ArterySettings.Bind), not the config it was given.
        RemoteActorRefProvider provider = (RemoteActorRefProvider) ((ExtendedActorSystem) Adapter.toClassic(system)).provider();
        assertEquals(ConfigFactory.parseString("t = " + PekkoConfig.BIND_TIMEOUT).getDuration("t").toMillis(),
                provider.remoteSettings().Artery().Bind().BindTimeout().toMillis());
    }

    @Test
    void aNodesClusterPortIsOneAboveItsPort() {
        GlobalSessionsSettings node = SettingsReader.read(ConfigFactory.parseMap(Map.of("global-sessions.tls.enabled", false,
                "global-sessions.port", 25520, "global-sessions.seed-nodes", List.of("10.0.0.1:25520"))), "test");
        assertEquals(25521, PekkoConfig.of(node, PekkoConfig.Kind.NODE).getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of("pekko://global-sessions@10.0.0.1:25521"),
                PekkoConfig.of(node, PekkoConfig.Kind.NODE).getStringList("pekko.cluster.seed-nodes"));
        assertEquals(25520, PekkoConfig.of(node, PekkoConfig.Kind.GATEWAY).getInt("pekko.remote.artery.canonical.port"));
        var refused = org.junit.jupiter.api.Assertions.assertThrows(org.globalsessions.runtime.config.SettingsException.class,
                () -> SettingsReader.read(ConfigFactory.parseMap(Map.of("global-sessions.port", 65_535)), "test"));
        assertTrue(refused.getMessage().contains("port") && refused.getMessage().contains("65534"), refused.getMessage());
    }

    @Test
    void autoIsOneThreadPerTwoCoresAndAtLeastOne() {
        assertEquals(1, GlobalSessionsSettings.autoDispatcherThreads(1));
        assertEquals(1, GlobalSessionsSettings.autoDispatcherThreads(2));
        assertEquals(2, GlobalSessionsSettings.autoDispatcherThreads(4));
        assertEquals(8, GlobalSessionsSettings.autoDispatcherThreads(16));
        assertEquals(GlobalSessionsSettings.autoDispatcherThreads(Runtime.getRuntime().availableProcessors()),
                settings("auto").dispatcherThreads());
    }

    private static GlobalSessionsSettings settings(String threads) {
        return SettingsReader.read(ConfigFactory.parseMap(Map.of("global-sessions.tls.enabled", false,
                "global-sessions.port", 0, "global-sessions.dispatcher-threads", threads)), "test");
    }

    private ActorSystem<Void> start(String name, String threads) {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
            Adapter.actorOf(context, Props.create(Echo.class), "echo");
            return Behaviors.empty();
        }), name, PekkoConfig.of(settings(threads), PekkoConfig.Kind.EDGE));
        systems.add(system);
        return system;
    }

    /** A message to the echo actor of {@code server} and its answer, over Artery (asked again until the echo is up). */
    private static void roundTrip(ActorSystem<Void> client, ActorSystem<Void> server) throws Exception {
        assertEquals("ping", ask(client, server.address() + "/user/echo"));
    }

    /** The answer of the actor at {@code path} to "ping", asked from {@code client} (again until it is up). */
    private static Object ask(ActorSystem<Void> client, String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return Patterns.ask(client.classicSystem().actorSelection(path), "ping", Duration.ofSeconds(2))
                        .toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }

    /** The dispatcher ids of the live threads of the systems whose names start with {@code prefix}. */
    private static Set<String> pools(String prefix) {
        Set<String> pools = new TreeSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            int pekko = name.indexOf("-pekko.");
            if (name.startsWith(prefix) && pekko > 0) {
                pools.add(name.substring(pekko + 1).replaceFirst("-\\d+$", ""));
            }
        }
        return pools;
    }

    /** Without the pools that are their own threads in every layout: scheduler, blocking I/O. */
    private static Set<String> withoutOwnThreads(Set<String> pools) {
        Set<String> rest = new TreeSet<>(pools);
        rest.removeIf(pool -> pool.startsWith("pekko.actor.default-blocking-io-dispatcher") || pool.contains("scheduler"));
        return rest;
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    /** Answers every message with the name of the thread it ran on. */
    static final class ThreadName extends AbstractActor {
        @Override
        public Receive createReceive() {
            return receiveBuilder().matchAny(m -> getSender().tell(Thread.currentThread().getName(), getSelf())).build();
        }
    }

    /** Answers every message with itself. */
    static final class Echo extends AbstractActor {
        @Override
        public Receive createReceive() {
            return receiveBuilder().matchAny(m -> getSender().tell(m, getSelf())).build();
        }
    }
}
