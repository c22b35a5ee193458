package org.globalsessions.runtime.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The configuration files of the npm package {@code global_session}, read as they are (JSON
 * with {@code //} comments) and mapped onto the native keys of {@code reference.conf}:
 *
 * <table>
 *   <caption>seed file → native settings</caption>
 *   <tr><th>seed file</th><th>recognised by</th><th>becomes</th></tr>
 *   <tr><td>relay ({@code mid_relay.conf})</td><td>{@code "edge_supported_relay": true}</td>
 *       <td>roles relay + sibling (the seed started the sibling as a child process; here it runs
 *       in the relay's JVM); {@code path_types.<auth_path>.cache} is the L2 table</td></tr>
 *   <tr><td>sibling ({@code sibling.conf})</td><td>{@code "half_edge": true}</td>
 *       <td>role sibling; {@code cache} names the relay's table, which it attaches to</td></tr>
 *   <tr><td>pressure relief ({@code pressure.conf}, {@code replicator.conf})</td>
 *       <td>{@code "full_edge": true}, or {@code lru} + {@code message_relay}</td>
 *       <td>role relief-expansion ({@code age_or_replica: "replicating"}) or relief-aging
 *       ({@code "age-out"}); {@code message_relay.address:port} is the node it joins through</td></tr>
 * </table>
 *
 * <p>Values: {@code address}/{@code port} → hostname/port; {@code seed} → hashing.seed;
 * {@code record_size} (bytes of key + value) and {@code el_count} → the table's shape;
 * {@code token_path} → the table file {@code /dev/shm/global-sessions-<name>.lru}, where
 * {@code <name>} is the token file's name without extension (so a relay and its sibling
 * naming the same token file share one table); {@code tls.server_key / server_cert /
 * client_cert} → the node's key, certificate, and the CA certificate peers must chain to
 * (relative paths are relative to the config file); {@code aged_out_secs} → relief.aging.ttl;
 * {@code sessions_length} (ms) → relief.default-session-ttl; a relief {@code el_count} is the
 * tier's capacity, spread over the default 64 shards. Extension: {@code "seed_nodes": ["host:port"]}.
 * A file without {@code tls} is refused (secure by default); {@code "tls": false} turns it off.
 * Keys the seed used that have no meaning here ({@code proc_name}, {@code stop_child},
 * {@code custom_fanout_relayer}, {@code max_evictions}, …) are accepted and ignored.
 */
final class SeedFormat {

    private SeedFormat() {
    }

    static final List<String> MARKERS = List.of("edge_supported_relay", "half_edge", "full_edge", "lru", "message_relay", "path_types");

    record Tls(@JsonProperty("server_key") String serverKey, @JsonProperty("server_cert") String serverCert,
               @JsonProperty("client_cert") String clientCert) {
    }

    record Cache(@JsonProperty("token_path") String tokenPath, @JsonProperty("am_initializer") Boolean amInitializer,
                 @JsonProperty("seed") Long seed, @JsonProperty("record_size") Integer recordSize,
                 @JsonProperty("el_count") Long elCount, @JsonProperty("stop_child") Boolean stopChild,
                 @JsonProperty("evictions_timeout") Object evictionsTimeout,
                 @JsonProperty("sessions_length") Long sessionsLength,
                 @JsonProperty("immediate_evictions") Boolean immediateEvictions,
                 @JsonProperty("max_evictions") Integer maxEvictions, @JsonProperty("aged_out_secs") Long agedOutSecs) {
    }

    record RelayClient(@JsonProperty("proc_name") List<String> procName) {
    }

    record PathType(@JsonProperty("relay") RelayClient relay, @JsonProperty("cache") Cache cache) {
    }

    record Lru(@JsonProperty("manage_section") Boolean manageSection, @JsonProperty("cache") Cache cache) {
    }

    record MessageRelay(@JsonProperty("auth_path") String authPath, @JsonProperty("age_or_replica") String ageOrReplica,
                        @JsonProperty("address") String address, @JsonProperty("port") Integer port,
                        @JsonProperty("tls") JsonNode tls) {
    }

    /**
     * The relay section a seed client passes to {@code new SessionCacheManager(lru, relay)}, e.g.
     * {@code "my_messages": {"auth_path", "address", "port", "tls"}}; extension {@code relays}:
     * several relays as "host:port".
     */
    record ClientRelay(@JsonProperty("auth_path") String authPath, @JsonProperty("address") String address,
                       @JsonProperty("port") Integer port, @JsonProperty("tls") JsonNode tls,
                       @JsonProperty("relays") List<String> relays) {
    }

    /** Maps a seed client's two sections onto native edge keys. */
    static Map<String, Object> clientToNative(Lru lru, ClientRelay relay, String name, TlsReader tlsReader) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (lru == null) {
            throw new SettingsException(name + ": the lru section is missing: it says whether this process creates the "
                    + "host's table (manage_section) and its shape (cache)");
        }
        if (relay == null) {
            throw new SettingsException(name + ": the relay section is missing: it names the relay (address, port) and tls");
        }
        if (lru.manageSection() != null) {
            out.put("edge.table.manage-section", lru.manageSection());
        }
        Cache cache = lru.cache();
        if (cache != null) {
            table(cache, "edge.table", out, name);
        }
        List<String> relays = new java.util.ArrayList<>();
        if (relay.relays() != null) {
            relays.addAll(relay.relays());
        }
        if (relay.address() != null || relay.port() != null) {
            relays.add(required(relay.address(), name, "relay address") + ":" + required(relay.port(), name, "relay port"));
        }
        if (relays.isEmpty()) {
            throw new SettingsException(name + ": the relay section names no relay: give address and port (or relays)");
        }
        out.put("edge.relays", relays);
        out.put("port", 0);
        tlsReader.read(relay.tls(), "tls", out);
        return out;
    }

    /** A whole seed-format file. */
    record File(@JsonProperty("edge_supported_relay") Boolean edgeSupportedRelay,
                @JsonProperty("half_edge") Boolean halfEdge, @JsonProperty("full_edge") Boolean fullEdge,
                @JsonProperty("auth_path") String authPath, @JsonProperty("port") Integer port,
                @JsonProperty("address") String address, @JsonProperty("tls") JsonNode tls,
                @JsonProperty("path_types") Map<String, PathType> pathTypes, @JsonProperty("cache") Cache cache,
                @JsonProperty("lru") Lru lru, @JsonProperty("message_relay") MessageRelay messageRelay,
                @JsonProperty("custom_fanout_relayer") String customFanoutRelayer,
                @JsonProperty("seed_nodes") List<String> seedNodes) {
    }

    /** Maps a seed file onto native keys (relative to the {@code global-sessions} root). */
    static Map<String, Object> toNative(File seed, Path file, TlsReader tlsReader) {
        String name = file.getFileName().toString();
        Map<String, Object> out = new LinkedHashMap<>();
        if (seed.seedNodes() != null) {
            out.put("seed-nodes", seed.seedNodes());
        }
        if (Boolean.TRUE.equals(seed.edgeSupportedRelay())) {
            out.put("roles", List.of(Role.RELAY.id(), Role.SIBLING.id()));
            address(seed.address(), seed.port(), out, name, "");
            String authPath = required(seed.authPath(), name, "auth_path");
            PathType type = seed.pathTypes() == null ? null : seed.pathTypes().get(authPath);
            if (type == null || type.cache() == null) {
                throw new SettingsException(name + ": path_types." + authPath + ".cache is missing: auth_path = \""
                        + authPath + "\" must name an entry of path_types with the relay's cache");
            }
            Cache cache = type.cache();
            if (Boolean.FALSE.equals(cache.amInitializer())) {
                throw new SettingsException(name + ": path_types." + authPath + ".cache.am_initializer = false: "
                        + "a relay creates its table; only a sibling attaches (am_initializer: false)");
            }
            table(cache, "relay.table", out, name);
            tlsReader.read(seed.tls(), "tls", out);
        } else if (Boolean.TRUE.equals(seed.halfEdge())) {
            out.put("roles", List.of(Role.SIBLING.id()));
            address(seed.address(), seed.port(), out, name, "");
            Cache cache = seed.cache();
            if (cache == null) {
                throw new SettingsException(name + ": cache is missing: a sibling names the relay's table there");
            }
            if (Boolean.TRUE.equals(cache.amInitializer())) {
                throw new SettingsException(name + ": cache.am_initializer = true: a sibling attaches to the relay's "
                        + "table and never creates it; set it to false");
            }
            if (cache.tokenPath() != null) {
                out.put("sibling.table-path", tablePath(cache.tokenPath()));
            }
            if (cache.seed() != null) {
                out.put("hashing.seed", cache.seed());
            }
            tlsReader.read(seed.tls(), "tls", out);
        } else if (Boolean.TRUE.equals(seed.fullEdge()) || seed.lru() != null || seed.messageRelay() != null) {
            MessageRelay relay = seed.messageRelay();
            if (relay == null) {
                throw new SettingsException(name + ": message_relay is missing: a pressure relief node names there the "
                        + "relay/sibling it joins (address, port) and whether it is \"replicating\" or \"age-out\"");
            }
            String kind = relay.ageOrReplica();
            if ("replicating".equals(kind)) {
                out.put("roles", List.of(Role.RELIEF_EXPANSION.id()));
            } else if ("age-out".equals(kind)) {
                out.put("roles", List.of(Role.RELIEF_AGING.id()));
            } else {
                throw new SettingsException(name + ": message_relay.age_or_replica = " + (kind == null ? "(missing)" : "\"" + kind + "\"")
                        + ": must be \"replicating\" (expansion tier) or \"age-out\" (aging tier)");
            }
            if (relay.address() != null || relay.port() != null) {
                String joinAt = required(relay.address(), name, "message_relay.address") + ":"
                        + required(relay.port(), name, "message_relay.port");
                if (seed.seedNodes() == null) {
                    out.put("seed-nodes", List.of(joinAt));
                }
            }
            out.put("port", seed.port() == null ? 0 : seed.port());
            if (seed.address() != null) {
                out.put("hostname", seed.address());
            }
            Cache cache = seed.lru() == null ? null : seed.lru().cache();
            if (cache != null) {
                if (cache.seed() != null) {
                    out.put("hashing.seed", cache.seed());
                }
                if (cache.agedOutSecs() != null) {
                    out.put("relief.aging.ttl", cache.agedOutSecs() + "s");
                }
                if (cache.sessionsLength() != null) {
                    out.put("relief.default-session-ttl", cache.sessionsLength() + "ms");
                }
                if (cache.elCount() != null) {
                    int shards = com.typesafe.config.ConfigFactory.defaultReference().getInt(GlobalSessionsSettings.ROOT + ".hashing.shards");
                    long perShard = Math.max(1, (cache.elCount() + shards - 1) / shards);
                    out.put(kind.equals("replicating") ? "relief.expansion.entries-per-shard" : "relief.aging.entries-per-shard", perShard);
                }
            }
            tlsReader.read(relay.tls() != null ? relay.tls() : seed.tls(), relay.tls() != null ? "message_relay.tls" : "tls", out);
        } else {
            throw new SettingsException(name + ": not a global-sessions config: no global-sessions section, and none "
                    + "of the seed's role keys (" + String.join(", ", MARKERS) + ")");
        }
        return out;
    }

    private static void address(String address, Integer port, Map<String, Object> out, String name, String prefix) {
        if (address != null) {
            if (address.isBlank() || address.chars().anyMatch(Character::isWhitespace)) {
                throw new SettingsException(name + ": " + prefix + "address = \"" + address + "\": not a host name or IP address");
            }
            out.put("hostname", address);
        }
        out.put("port", required(port, name, prefix + "port"));
    }

    private static void table(Cache cache, String prefix, Map<String, Object> out, String name) {
        if (cache.tokenPath() != null) {
            out.put(prefix + ".path", tablePath(cache.tokenPath()));
        }
        if (cache.elCount() != null) {
            out.put(prefix + ".el-count", cache.elCount());
        }
        if (cache.recordSize() != null) {
            out.put(prefix + ".record-size", cache.recordSize());
        }
        if (cache.seed() != null) {
            out.put("hashing.seed", cache.seed());
        }
    }

    /** The shared-memory file a seed token path stands for: processes naming one token share one table. */
    static String tablePath(String tokenPath) {
        String base = Path.of(tokenPath).getFileName().toString();
        int dot = base.lastIndexOf('.');
        String stem = (dot > 0 ? base.substring(0, dot) : base).replaceAll("[^A-Za-z0-9._-]", "_");
        return "/dev/shm/global-sessions-" + stem + ".lru";
    }

    private static <T> T required(T value, String name, String key) {
        if (value == null) {
            throw new SettingsException(name + ": " + key + " is missing");
        }
        return value;
    }

    /** Turns a seed {@code tls} value into native tls keys. */
    @FunctionalInterface
    interface TlsReader {
        void read(JsonNode tls, String key, Map<String, Object> out);
    }
}
