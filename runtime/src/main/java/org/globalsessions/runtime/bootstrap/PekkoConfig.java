package org.globalsessions.runtime.bootstrap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.tls.IdentitySSLEngineProvider;

/**
 * Assembles the Pekko configuration of a node or an edge from its settings: Artery over
 * {@code tls-tcp} with mutual authentication (plain {@code tcp} only when
 * {@code tls.enabled = false}), cluster roles, seed nodes, the Split Brain Resolver
 * (keep-majority), and the dispatcher and Artery tuning the request paths rely on. Anything
 * under {@code pekko} in the node's own config file wins over what is assembled here.
 *
 * <h2>Tuning</h2>
 * With Pekko's own pools a remote round trip makes about 16 thread hand-offs in each JVM, and on
 * a small host waking a parked thread is most of what it costs (FACTS.md). So every pool a request
 * passes through is one dispatcher of {@code dispatcher-threads} threads ({@link #sharePool}),
 * and Artery keeps one inbound and one outbound lane (no hand-off between lanes). The figures
 * behind the default are in docs/configuration.md. ({@code advanced.idle-cpu-level} is not set:
 * Pekko 1.7 reads it only for the Aeron transport, never for {@code tls-tcp}.)
 *
 * <p>The scheduler ticks every {@link #SCHEDULER_TICK} instead of Pekko's 10 ms: its thread wakes
 * on every tick whether a timer is due or not, which was most of an idle edge's CPU, and no timer
 * here is shorter than 50 ms (the edge's tick).
 */
public final class PekkoConfig {

    private PekkoConfig() {
    }

    /** What kind of process the config is for. */
    public enum Kind {
        /** A server node: a cluster member with the settings' roles. */
        NODE,
        /** An embedded edge: remoting only, not a cluster member. */
        EDGE,
        /**
         * A node's client gateway: remoting only, on the node's {@code port}, for applications (on a
         * relay) and operators; it runs on the node's own threads (see {@link #sharePool}).
         */
        GATEWAY
    }

    /**
     * {@code pekko.scheduler.tick-duration}: a timer fires up to one tick late. Pekko's scheduler
     * thread wakes 100 times a second at its default (10 ms); at 25 ms an idle application process
     * used about a quarter less CPU (docs/configuration.md, "Timers").
     */
    public static final String SCHEDULER_TICK = "25ms";

    /**
     * {@code pekko.remote.artery.bind.bind-timeout}: how long Artery waits for its TCP server to
     * bind when the process starts (Pekko: 3 s, {@code ArteryTcpTransport}). A port in use fails
     * at once whatever this is; the wait is for the binding's stream to run, which on a busy host
     * waits for a thread. A node's gateway binds on the node's shared pool while the node joins
     * the cluster, and a node restarted on a loaded 2-core machine failed to start after 3 s.
     */
    public static final String BIND_TIMEOUT = "30s";

    public static Config of(GlobalSessionsSettings settings, Kind kind) {
        Map<String, Object> c = new HashMap<>();
        c.put("pekko.scheduler.tick-duration", SCHEDULER_TICK);
        c.put("pekko.remote.artery.bind.bind-timeout", BIND_TIMEOUT);
        c.put("pekko.actor.provider", kind == Kind.NODE ? "cluster" : "remote");
        c.put("pekko.remote.artery.canonical.hostname", settings.hostname());
        c.put("pekko.remote.artery.canonical.port", switch (kind) {
            case NODE -> settings.clusterPort();
            case EDGE -> 0;
            case GATEWAY -> settings.port();
        });
        c.put("pekko.remote.artery.advanced.inbound-lanes", 1);
        c.put("pekko.remote.artery.advanced.outbound-lanes", 1);
        sharePool(c, settings.dispatcherThreads(), kind == Kind.GATEWAY);
        c.put("pekko.coordinated-shutdown.exit-jvm", "off");
        c.put("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "on");
        GlobalSessionsSettings.Tls tls = settings.tls();
        if (tls.enabled()) {
            c.put("pekko.remote.artery.transport", "tls-tcp");
            // Every peer's certificate is checked for a CA this process trusts and for its identity
            // (docs/security.md), both ways. A node's cluster port talks to nodes only. Its gateway talks
            // to operators, and on a relay to applications as well: never to a node, so nothing an
            // application sends it can be passed on to another node's port. An edge or a command
            // accepts node certificates only, so an application's key cannot stand in for a relay.
            List<String> accepted = switch (kind) {
                case NODE, EDGE -> List.of("node");
                case GATEWAY -> settings.has(Role.RELAY) ? List.of("app", "operator") : List.of("operator");
            };
            c.put("pekko.remote.artery.ssl.ssl-engine-provider", IdentitySSLEngineProvider.class.getName());
            String base = IdentitySSLEngineProvider.SECTION + ".";
            if (tls.usesPem()) {
                c.put(base + "key-file", tls.keyFile().toAbsolutePath().toString());
                c.put(base + "cert-file", tls.certFile().toAbsolutePath().toString());
                c.put(base + "ca-cert-file", tls.caFile().toAbsolutePath().toString());
            } else {
                c.put(base + "key-store", tls.keyStore().toAbsolutePath().toString());
                c.put(base + "key-store-password", tls.keyStorePassword());
                c.put(base + "trust-store", tls.trustStore().toAbsolutePath().toString());
                c.put(base + "trust-store-password", tls.trustStorePassword());
            }
            c.put(base + "reload-interval", tls.reloadInterval().toMillis() + "ms");
            c.put(base + "accept-inbound", accepted);
            c.put(base + "accept-outbound", accepted);
            c.put(base + "protocol", "TLSv1.3");
            c.put(base + "enabled-algorithms", List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"));
        } else {
            c.put("pekko.remote.artery.transport", "tcp");
        }
        if (kind != Kind.NODE) {
            // An edge uses remoting without cluster membership on purpose (front-end processes
            // come and go; they must not take part in cluster decisions), and so does a gateway.
            c.put("pekko.remote.warn-about-direct-use", "off");
            c.put("pekko.remote.warn-unsafe-watch-outside-cluster", "off");
        }
        if (kind == Kind.NODE) {
            List<String> roles = new ArrayList<>();
            for (Role role : settings.roles()) {
                roles.add(role.id());
            }
            c.put("pekko.cluster.roles", roles);
            List<String> seeds = new ArrayList<>();
            for (HostPort seed : settings.seedNodes()) {
                seeds.add(address(settings.systemName(), GlobalSessionsSettings.clusterAddress(seed)));
            }
            c.put("pekko.cluster.seed-nodes", seeds);
            c.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
            c.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
            // How long a crashed node stalls its shards (docs/operations.md, "Stopping, crashes and
            // downing"): the failure detector marks it unreachable ~4-5 s after its last heartbeat
            // (acceptable-heartbeat-pause 3 s), the SBR downs it after stable-after, and sharding and
            // the singletons take over its shards after down-removal-margin. Pekko's 20 s stable-after,
            // which is also the margin when none is set, made that ~45 s; 7 s is the SBR documentation's
            // minimum for clusters of up to 5 nodes. The margin exists so that the losing side of a
            // partition stops its entities before they start elsewhere: a replica holds no shared
            // store, and the losing side downs itself after its own stable-after, so 2 s is enough.
            // (A margin of 0 means "use stable-after" to the SBR provider.)
            c.put("pekko.cluster.split-brain-resolver.stable-after", "7s");
            c.put("pekko.cluster.down-removal-margin", "2s");
            // A node restarted on its address (a crash, a kill) is a new incarnation: the leader downs
            // and removes the old one when the new one asks to join, and ignores the request itself;
            // the new one asks again after retry-unsuccessful-join-after (ClusterDaemon.joining).
            // Pekko's 10 s left a restarted relay serving "no relief-expansion node is up" for ~10 s.
            c.put("pekko.cluster.retry-unsuccessful-join-after", "2s");
            // How often the relief tiers' coordinators move replicas toward their placement (ReplicaPlacement):
            // with 64 shards a returning node takes ~32 replicas of each entity type; Pekko's 10 s would take minutes.
            c.put("pekko.cluster.sharding.rebalance-interval", "2s");
            c.put("pekko.cluster.jmx.enabled", "off");
            c.put("pekko.cluster.log-info", "off");
            c.put("pekko.cluster.sharding.passivation.strategy", "none");
            // Pekko Management's routes (health checks) are served by the node's metrics server:
            // its own idea of its address (the routes' self URI) is that server's.
            c.put("pekko.management.http.hostname", settings.metrics().hostname());
            c.put("pekko.management.http.port", settings.metrics().port());
        }
        Config own = settings.config().hasPath("pekko") ? settings.config().withOnlyPath("pekko") : ConfigFactory.empty();
        return own.withFallback(ConfigFactory.parseMap(c, "global-sessions " + kind.name().toLowerCase()))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    /**
     * Points every pool a request passes through at one dispatcher of {@code threads} threads
     * ({@code dispatcher-threads}; {@link GlobalSessionsSettings#SEPARATE_POOLS} leaves Pekko's
     * layout alone). Each key below is read by Pekko 1.7, and an alias (a string naming another
     * dispatcher) is followed to the same dispatcher instance ({@code Dispatchers.lookupConfigurator}):
     * <ul>
     *   <li>{@code pekko.actor.default-dispatcher}: the actors, and the stream materializer's
     *       {@code pekko.stream.materializer.dispatcher} by default;</li>
     *   <li>{@code pekko.actor.internal-dispatcher} (an alias is allowed, {@code ActorSystem.Settings}):
     *       cluster, sharding, distributed data, receptionist, remote watcher, and Artery's control
     *       stream ({@code artery.advanced.use-control-stream-dispatcher});</li>
     *   <li>{@code pekko.remote.artery.advanced.use-dispatcher} (Pekko: {@code pekko.remote.default-remote-dispatcher},
     *       which must stay an object: {@code ActorSystem.Settings} checks it against reference.conf):
     *       the materializer of Artery's ordinary and large message streams
     *       ({@code ArterySettings.MaterializerSettings}), which run the TCP connections and the TLS stage;</li>
     *   <li>{@code pekko.io.tcp.worker-dispatcher}, {@code management-dispatcher}: the TCP connection
     *       and manager actors ({@code SelectionHandlerSettings}, {@code TcpExt.Settings}).</li>
     * </ul>
     * The TCP selector stays on its pinned thread: its loop blocks in {@code select()}. The blocking
     * I/O dispatcher and the scheduler keep their own threads too.
     *
     * <p>A node's gateway ({@code onNodePool}) has no pool of its own: its default dispatcher keeps
     * Pekko's {@code default-executor}, which runs on the execution context the gateway's
     * {@code BootstrapSetup} names (the node's shared pool), so a request handed from the gateway to
     * the relay is a queue push on the running thread, not a thread wake-up.
     */
    private static void sharePool(Map<String, Object> c, int threads, boolean onNodePool) {
        if (threads == GlobalSessionsSettings.SEPARATE_POOLS) {
            return;
        }
        String shared = "pekko.actor.default-dispatcher";
        if (onNodePool) {
            c.put(shared + ".executor", "default-executor");
        } else {
            c.put(shared + ".executor", "fork-join-executor");
            c.put(shared + ".fork-join-executor.parallelism-min", threads);
            c.put(shared + ".fork-join-executor.parallelism-max", threads);
        }
        c.put("pekko.actor.internal-dispatcher", shared);
        c.put("pekko.remote.artery.advanced.use-dispatcher", shared);
        c.put("pekko.io.tcp.worker-dispatcher", shared);
        c.put("pekko.io.tcp.management-dispatcher", shared);
    }

    /** The Pekko address of a node: {@code pekko://<system>@host:port}. */
    public static String address(String systemName, HostPort node) {
        return "pekko://" + systemName + "@" + node;
    }
}
