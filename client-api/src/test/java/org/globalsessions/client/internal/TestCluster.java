package org.globalsessions.client.internal;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.HybridClock;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.NodeConfig;
import org.globalsessions.testkit.ShmDirectory;

/**
 * A whole topology in one JVM, each part a real ActorSystem on 127.0.0.1 with mutual TLS: a
 * relay with its sibling, an expansion node and an aging node, and edges with their own L1
 * tables (one per simulated host), every table under a private /dev/shm directory.
 * {@link #close} closes the edges, stops every node and deletes the tables.
 */
public final class TestCluster implements AutoCloseable {

    /** How long a node may take to stop once its shutdown began (see {@link NodeBootstrap#awaitTermination}). */
    public static final Duration STOP_BOUND = Duration.ofSeconds(60);

    /** The application identity's files (one CA for the whole cluster): what its edges present to the relay's gateway. */
    public final Certificates.NodeFiles files;
    private final Path certificates;
    public final Path shm;
    public final HostPort relayAddress;
    public final List<ActorSystem<Void>> servers = new ArrayList<>();
    private final Map<String, Object> tuning;
    private final List<EdgeCache> edges = new ArrayList<>();

    /**
     * @param certificates directory for the test CA and certificates
     * @param tuning       extra settings (native keys under global-sessions) for every node (and edge)
     */
    public TestCluster(Path certificates, Map<String, Object> tuning) {
        this.certificates = certificates;
        Certificates.development(certificates);
        this.files = Certificates.files(certificates, "app");
        this.tuning = tuning;
        this.shm = ShmDirectory.create("gs-cluster-");
        int relayPort = FreePorts.next();
        this.relayAddress = new HostPort("127.0.0.1", relayPort);
        List<HostPort> seed = List.of(relayAddress);
        servers.add(ServerNode.start(settings(List.of(Role.RELAY, Role.SIBLING), relayPort, List.of(),
                Map.of("relay.table.path", shm.resolve("relay.lru").toString()))));
        servers.add(ServerNode.start(settings(List.of(Role.RELIEF_EXPANSION), FreePorts.next(), seed, Map.of())));
        servers.add(ServerNode.start(settings(List.of(Role.RELIEF_AGING), FreePorts.next(), seed, Map.of())));
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().allMatch(s -> upMembers(s) == servers.size()));
    }

    public GlobalSessionsSettings settings(List<Role> roles, int port, List<HostPort> seeds, Map<String, Object> extra) {
        Map<String, Object> all = new java.util.HashMap<>(tuning);
        all.putAll(extra);
        return node(certificates, roles, port, seeds, all);
    }

    /** An edge on simulated host {@code host} (its own L1 table), talking to the relay. */
    public EdgeCache edge(String host, boolean manageSection) {
        return edge(host, manageSection, new HybridClock());
    }

    /** The same, with the clock that versions its writes. */
    public EdgeCache edge(String host, boolean manageSection, HybridClock clock) {
        GlobalSessionsSettings settings = settings(List.of(), FreePorts.next(), List.of(), Map.of(
                "edge.relays", List.of(relayAddress.toString()),
                "edge.table.path", shm.resolve("l1-" + host + ".lru").toString(),
                "edge.table.manage-section", manageSection));
        EdgeCache edge = EdgeCache.start(settings, clock);
        edges.add(edge);
        awaitL1Lease(edge);
        return edge;
    }

    /**
     * Blocks {@code edge}'s actor, as a stalled process would, until {@code release} or for at most
     * {@code atMost}: a listener waits on the latch when the actor hands it an invalidation of a key of
     * its own. Returns once the actor is blocked.
     */
    public static void holdActor(EdgeCache edge, CountDownLatch release, Duration atMost)
            throws InterruptedException {
        String key = "hold-" + System.nanoTime();
        CountDownLatch blocked = new CountDownLatch(1);
        edge.addListener(new EdgeCache.Listener() {
            @Override
            public void onInvalidated(String invalidated, long version) {
                if (invalidated.equals(key)) {
                    blocked.countDown();
                    try {
                        release.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }, false, false);
        edge.system().tell(new EdgeCommand.Pushed(1, List.of(), List.of(new EdgeCommand.Invalidation(key, 1, 0, 1)), null));
        if (!blocked.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the edge's actor did not take the invalidation");
        }
    }

    /**
     * A manager of this cluster's applications on a host whose table is {@code table} in this
     * cluster's shm folder (1 000 entries of 512 bytes): add what the test needs, then build.
     */
    public org.globalsessions.client.SessionCacheManagerBuilder client(String table) {
        return org.globalsessions.client.SessionCacheManager.builder().relays(relayAddress.toString())
                .certificates(files.keyFile(), files.certFile(), files.caFile())
                .table(shm.resolve(table)).elCount(1000).recordSize(512);
    }

    /** Waits until {@code host} has written once (the cluster is up for it) and its L1 answers lookups. */
    public static void awaitWritable(org.globalsessions.client.SessionCacheManager host) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> host.set("warm-up", new byte[] {1}).toCompletableFuture().get(10, TimeUnit.SECONDS) > 0);
        await().atMost(Duration.ofSeconds(30)).until(host::l1Leased);
    }

    /** Closes {@code hosts} (those not null), then the cluster. */
    public void closeWith(org.globalsessions.client.SessionCacheManager... hosts) {
        for (org.globalsessions.client.SessionCacheManager host : hosts) {
            if (host != null) {
                host.close();
            }
        }
        close();
    }

    /** Waits until {@code edge}'s L1 answers lookups (its probation after start is over). */
    public static void awaitL1Lease(EdgeCache edge) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(edge::l1Leased);
    }

    /**
     * Settings for a node with {@code roles} on {@code port} of 127.0.0.1 (an edge: no roles,
     * port 0), joining {@code seeds}, with the development certificates in {@code certificates}
     * (made on first use: one CA per directory) and {@code extra} settings (native keys, or keys
     * that start with {@code pekko.}).
     */
    public static GlobalSessionsSettings node(Path certificates, List<Role> roles, int port, List<HostPort> seeds,
                                              Map<String, Object> extra) {
        Certificates.development(certificates);
        return NodeConfig.node(port).roles(roles.stream().map(Role::id).toList()).seeds(seeds).tls(certificates)
                .set(extra).read(SettingsReader::read);
    }

    private static long upMembers(ActorSystem<?> system) {
        int n = 0;
        for (var m : Cluster.get(system).state().getMembers()) {
            if (m.status() == MemberStatus.up()) {
                n++;
            }
        }
        return n;
    }

    /** Closes the edges, stops every node (the last started first) and deletes the tables. */
    @Override
    public void close() {
        edges.forEach(EdgeCache::close);
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).terminate();
        }
        for (ActorSystem<Void> server : servers) {
            try {
                NodeBootstrap.awaitTermination(server, STOP_BOUND);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        ShmDirectory.delete(shm);
    }
}
