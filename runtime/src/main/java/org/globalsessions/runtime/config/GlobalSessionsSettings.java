package org.globalsessions.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.typesafe.config.Config;

import org.globalsessions.runtime.metrics.MetricsTls;
import org.globalsessions.shm.ShmLruOptions;
import org.globalsessions.shm.ShmLruSettings;

/**
 * Everything a node or an embedded edge needs, read once from configuration and validated:
 * a bad value throws a {@link SettingsException} naming the source, the key and the value.
 * Every key is documented in this module's {@code reference.conf}. Immutable.
 *
 * @param config the node's own configuration (file and flags, without defaults); its
 *               {@code pekko} section, if any, overrides what the node assembles
 * @param dispatcherThreads threads of the one pool shared by the actors, Pekko's internal work, Artery's
 *               streams and the TCP workers ({@code dispatcher-threads}, {@code auto} already resolved
 *               by {@link #autoDispatcherThreads}); {@link #SEPARATE_POOLS} for Pekko's own layout
 * @param source where the settings came from (a file name, "defaults", …), for messages
 */
public record GlobalSessionsSettings(Set<Role> roles, String systemName, String hostname, int port,
                                     List<HostPort> seedNodes, Tls tls, Hashing hashing, Metrics metrics, Duration requestTimeout,
                                     Duration maxStaleness, int dispatcherThreads, Relay relay, Sibling sibling, Relief relief, Edge edge,
                                     Config config, String source) {

    public static final String ROOT = "global-sessions";

    /** {@code dispatcher-threads = separate}: Pekko's own layout, a pool per subsystem. */
    public static final int SEPARATE_POOLS = 0;

    /**
     * {@code dispatcher-threads = auto}: one thread per two cores, at least one. On 2 cores one
     * thread measured best (docs/configuration.md); half the cores leaves the rest to the TCP
     * selector, the scheduler, the collector and, on an edge, the application.
     */
    public static int autoDispatcherThreads(int cores) {
        return Math.max(1, cores / 2);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /**
     * How long a table (L1, L2) may answer from its contents on one lease from upstream: half of
     * {@code max-staleness}, the other half being the relay's own lease from its peers.
     */
    public Duration leaseDuration() {
        return maxStaleness.dividedBy(2);
    }

    /** This node's address as peers see it. */
    public HostPort address() {
        return new HostPort(hostname, port == 0 ? 1 : port);
    }

    /**
     * How far above {@code port} a node's cluster port is. A node listens on two ports: {@code port}
     * for applications and operators (its client gateway), and {@code port + 1} for the other nodes
     * (cluster membership, sharding, replication), which accepts node certificates only.
     */
    public static final int CLUSTER_PORT_OFFSET = 1;

    /** The port the other nodes reach this node's cluster member at (0 with {@code port} 0: a free one). */
    public int clusterPort() {
        return port == 0 ? 0 : port + CLUSTER_PORT_OFFSET;
    }

    /** Where the cluster member of the node at {@code node} (its {@code port}) listens. */
    public static HostPort clusterAddress(HostPort node) {
        return new HostPort(node.host(), node.port() + CLUSTER_PORT_OFFSET);
    }

    /** The node address ({@code host:port}) of the cluster member at {@code cluster}. */
    public static HostPort nodeAddress(HostPort cluster) {
        return new HostPort(cluster.host(), cluster.port() - CLUSTER_PORT_OFFSET);
    }

    /**
     * Transport security. With {@code enabled}, either the PEM trio ({@code keyFile},
     * {@code certFile}, {@code caFile}) or the PKCS12 pair ({@code keyStore}, {@code trustStore})
     * is set, and the files exist.
     */
    public record Tls(boolean enabled, Path keyFile, Path certFile, Path caFile, Duration reloadInterval,
                      Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {

        public boolean usesPem() {
            return keyStore == null;
        }

        public static Tls pem(Path keyFile, Path certFile, Path caFile) {
            return new Tls(true, keyFile, certFile, caFile, Duration.ofMinutes(5), null, "", null, "");
        }

        public static Tls disabled() {
            return new Tls(false, null, null, null, Duration.ofMinutes(5), null, "", null, "");
        }
    }

    /**
     * The Prometheus (and, on a node, health) endpoint: {@code port} 0 for none; {@code tls} says
     * when it is served over TLS ({@link MetricsTls}).
     */
    public record Metrics(String hostname, int port, MetricsTls.Mode tls) {
    }

    /** Key hashing shared by every node: {@code shard = hash(key, seed) mod shards}. */
    public record Hashing(long seed, int shards) {
    }

    /**
     * A shared-memory table: where it lives and its shape.
     *
     * @param path       the file; empty for the role's default under /dev/shm
     * @param recordSize bytes of key + value per entry
     * @param segments   0 for the table's default
     * @param group      the group whose members share the table though another user owns it; "" for
     *                   none (only tables this process's user owns are opened)
     */
    public record Table(Optional<Path> path, long elCount, int recordSize, int segments, Duration lockLease, String group) {

        /** The shared-memory table of this shape, its keys hashed with {@code seed} (the cluster's {@code hashing.seed}). */
        public ShmLruSettings shape(long seed) {
            return ShmLruSettings.builder().elCount(elCount).recordSize(recordSize).segments(segments)
                    .seed(seed).lockLease(lockLease).build();
        }

        /** How this process opens the table: {@link ShmLruOptions#DEFAULTS} with the shared group. */
        public ShmLruOptions options() {
            return ShmLruOptions.DEFAULTS.withSharedGroup(group);
        }
    }

    /**
     * @param pushWindow         how long a relay gathers the arrivals and invalidations for its edges before
     *                           it sends them (zero: until the end of its turn through its mailbox)
     * @param receiversPerTable  how many processes of each host table a relay sends the table's
     *                           invalidations and arrivals to (decision 0014)
     */
    public record Relay(Table table, boolean publishArrivals, Duration invalidationTimeout, Duration edgeExpiry,
                        Duration pushWindow, int receiversPerTable) {
    }

    /** @param tablePath the relay host's L2 table to attach to; empty for the relay's default */
    public record Sibling(Optional<Path> tablePath) {
    }

    /**
     * The relief tiers. {@code maxSessionTtl} bounds every session's TTL (a longer one is refused),
     * and {@code tombstoneTtl} is at least it, so a tombstone outlives every copy of its session;
     * {@code tombstonesPerShard} bounds the tombstones of one shard replica (a delete beyond it is
     * refused, never one dropped).
     */
    public record Relief(int replicationFactor, int expansionEntriesPerShard, int agingEntriesPerShard, Duration agingTtl,
                         Duration defaultSessionTtl, Duration maxSessionTtl, Duration tombstoneTtl, int tombstonesPerShard,
                         long expansionBytesPerShard, long agingBytesPerShard) {
    }

    /**
     * An embedded edge (client): its relays, its host's L1 table, and its timing.
     *
     * @param manageSection true if this process creates the L1 table
     */
    public record Edge(List<HostPort> relays, boolean manageSection, Table table, Duration heartbeatInterval,
                       Duration relayDownAfter, Duration firstContactTimeout, boolean storeArrivals,
                       java.util.Map<String, Namespace> namespaces) {
    }

    /**
     * A keyspace of its own on the same cluster and tables (the seed's {@code path_types}): its
     * sessions' keys never meet another namespace's, and each has its own limits.
     *
     * @param recordSize  the most bytes of key + value one of its sessions may take (at most the
     *                    host table's record size, less the namespace's prefix)
     * @param defaultTtl  the TTL of a session set without one
     * @param maxLifetime the longest TTL one of its sessions may be given (at most {@code relief.max-session-ttl})
     */
    public record Namespace(String name, int recordSize, Duration defaultTtl, Duration maxLifetime) {

        /** What separates a namespace's name from a key in the stored key; never part of a name. */
        public static final char SEPARATOR = ':';

        /** How a namespace may be named: letters, digits, '-' and '_', 1 to 64 of them. */
        public static final String NAME_PATTERN = "[A-Za-z0-9_-]{1,64}";

        /** What the keys of this namespace's sessions start with in every tier. */
        public String prefix() {
            return name + SEPARATOR;
        }
    }
}
