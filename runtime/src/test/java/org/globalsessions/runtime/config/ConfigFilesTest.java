package org.globalsessions.runtime.config;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.typesafe.config.ConfigFactory;

import org.globalsessions.runtime.tls.Certificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both config shapes load, and every kind of bad config is refused with file, key and value. */
class ConfigFilesTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() {
        Certificates.development(dir.resolve("keys"));
    }

    private static Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    private static final String SEED_TLS = """
            "tls" : {
                "server_key" : "keys/node.key",
                "server_cert" : "keys/node.crt",
                "client_cert" : "keys/ca.crt"
            }""";

    private static String error(Path file) {
        return assertThrows(SettingsException.class, () -> ConfigFiles.load(file)).getMessage();
    }

    @Test
    void seedRelayFileAsTheOriginalReadmeShowsIt() throws IOException {
        Path file = write("mid_relay.conf", """
                {
                    "edge_supported_relay" : true,
                    "auth_path" : "auths",
                    "port" : 7878,    // <- set the port with your own number
                    "address" : "127.0.0.1",
                """ + SEED_TLS + """
                ,
                    "path_types" : {
                        "auths" : {
                            "relay" : {
                                "proc_name" : ["global-sessions", "./sibling.conf"]
                            },
                            "cache" : {
                                "token_path" : "./ml_relay.conf",
                                "am_initializer" : true,
                                "seed" : 9849381,
                                "record_size" : 384,
                                "el_count" : 20000
                            }
                        }
                    }
                }
                """);
        GlobalSessionsSettings s = ConfigFiles.load(file);
        assertEquals(Set.of(Role.RELAY, Role.SIBLING), s.roles());
        assertEquals(7878, s.port());
        assertEquals("127.0.0.1", s.hostname());
        assertEquals(9849381, s.hashing().seed());
        assertEquals(20000, s.relay().table().elCount());
        assertEquals(384, s.relay().table().recordSize());
        assertEquals(Optional.of(Path.of("/dev/shm/global-sessions-ml_relay.lru")), s.relay().table().path());
        assertTrue(s.tls().enabled());
        assertEquals(dir.resolve("keys/node.key"), s.tls().keyFile());
        assertEquals(dir.resolve("keys/ca.crt"), s.tls().caFile());
    }

    @Test
    void seedSiblingFileAttachesToTheRelaysTable() throws IOException {
        Path file = write("sibling.conf", """
                {
                    "half_edge" : true,
                    "auth_path" : "auths",
                    "port" : 7880,
                    "address" : "localhost",
                """ + SEED_TLS + """
                ,
                    "cache" : {
                        "token_path" : "./ml_relay.conf",
                        "am_initializer" : false,
                        "seed" : 9849381,
                        "record_size" : 384,
                        "el_count" : 20000,
                        "stop_child" : true
                    },
                    "seed_nodes" : ["127.0.0.1:7878"]
                }
                """);
        GlobalSessionsSettings s = ConfigFiles.load(file);
        assertEquals(Set.of(Role.SIBLING), s.roles());
        assertEquals(Optional.of(Path.of("/dev/shm/global-sessions-ml_relay.lru")), s.sibling().tablePath());
        assertEquals(List.of(new HostPort("127.0.0.1", 7878)), s.seedNodes());
    }

    @Test
    void seedPressureReliefFilesPickTheirTierFromAgeOrReplica() throws IOException {
        String template = """
                {
                    "lru" : {
                        "manage_section" : true,
                        "cache" : {
                            "token_path" : "./pressure.conf",
                            "am_initializer" : true,
                            "seed" : 9849381,
                            "record_size" : 384,
                            "el_count" : 20000,
                            "evictions_timeout" : true,
                            "sessions_length" : 14800000,
                            "immediate_evictions" : false,
                            "max_evictions" : 20,
                            "aged_out_secs" : 60
                        }
                    },
                    "message_relay" : {
                        "auth_path" : "auths",
                        "age_or_replica" : "KIND",
                        "address" : "localhost",
                        "port" : 7880,
                """ + SEED_TLS + """
                    }
                }
                """;
        GlobalSessionsSettings aging = ConfigFiles.load(write("pressure.conf", template.replace("KIND", "age-out")));
        assertEquals(Set.of(Role.RELIEF_AGING), aging.roles());
        assertEquals(List.of(new HostPort("localhost", 7880)), aging.seedNodes());
        assertEquals(Duration.ofSeconds(60), aging.relief().agingTtl());
        assertEquals(Duration.ofMillis(14800000), aging.relief().defaultSessionTtl());
        assertEquals(313, aging.relief().agingEntriesPerShard(), "20000 entries over 64 shards");
        assertEquals(0, aging.port());

        GlobalSessionsSettings expansion = ConfigFiles.load(write("replicator.conf", template.replace("KIND", "replicating")));
        assertEquals(Set.of(Role.RELIEF_EXPANSION), expansion.roles());

        String message = error(write("bad-kind.conf", template.replace("KIND", "mirror")));
        assertTrue(message.contains("message_relay.age_or_replica = \"mirror\": must be \"replicating\" (expansion tier) or \"age-out\""), message);
    }

    @Test
    void nativeHoconFileWithFlagsOnTop() throws IOException {
        Path file = write("relay.conf", """
                global-sessions {
                  roles = [relay, sibling]
                  port = 25600
                  tls { key-file = keys/node.key, cert-file = keys/node.crt, ca-file = keys/ca.crt }
                  relay.table { el-count = 5000, record-size = 512 }
                  hashing.shards = 128
                }
                pekko.remote.artery.advanced.maximum-frame-size = 512KiB
                """);
        GlobalSessionsSettings s = ConfigFiles.load(file, ConfigFactory.parseString("global-sessions.port = 25601"));
        assertEquals(25601, s.port(), "flags override the file");
        assertEquals(128, s.hashing().shards());
        assertEquals(5000, s.relay().table().elCount());
        assertEquals(dir.resolve("keys/node.crt"), s.tls().certFile(), "tls paths are relative to the config file");
        assertTrue(s.config().hasPath("pekko.remote.artery.advanced.maximum-frame-size"));
    }

    @Test
    void unknownRoleIsNamed() throws IOException {
        String message = error(write("role.conf", "global-sessions { roles = [relay, cache-master], tls.enabled = false }"));
        assertTrue(message.contains("global-sessions.roles"), message);
        assertTrue(message.contains("unknown role 'cache-master'; known roles: relay, sibling, relief-expansion, relief-aging, all"), message);
    }

    @Test
    void wrongTypeNamesFileLineKeyAndValue() throws IOException {
        Path file = write("type.conf", "global-sessions {\n  tls.enabled = false\n  port = \"seventy\"\n}\n");
        String message = error(file);
        assertTrue(message.startsWith(file + ": line 3: global-sessions.port = \"seventy\""), message);
    }

    /** Bug (issue 19): relief.tombstone-ttl was never checked against session TTLs, so a copy could outlive its tombstone. */
    @Test
    void aSeedRelayFileWithSeveralPathTypesLoadsWithItsAuthPathsCacheAsTheRelayTable() throws IOException {
        GlobalSessionsSettings s = ConfigFiles.load(write("paths.conf", """
                { "edge_supported_relay" : true, "auth_path" : "carts", "port" : 7878, "tls" : false,
                  "path_types" : {
                    "auths" : { "cache" : { "el_count" : 100, "record_size" : 256 } },
                    "carts" : { "cache" : { "el_count" : 300, "record_size" : 4096 } },
                    "prefs" : { "relay" : { "proc_name" : ["global-sessions", "./sibling.conf"] } } } }
                """));
        assertEquals(300, s.relay().table().elCount());
        assertEquals(4096, s.relay().table().recordSize());
    }

    @Test
    void namespacesAreReadByNameAndTheirLimitsChecked() throws IOException {
        GlobalSessionsSettings s = ConfigFiles.load(write("ns.conf", """
                global-sessions { tls.enabled = false, edge.table.record-size = 2048
                  edge.namespaces { web { record-size = 1500, default-ttl = 30m, max-lifetime = 12h }
                                    carts { record-size = 2042, default-ttl = 2h, max-lifetime = 24h } } }
                """));
        assertEquals(List.of("carts", "web"), List.copyOf(s.edge().namespaces().keySet()));
        GlobalSessionsSettings.Namespace web = s.edge().namespaces().get("web");
        assertEquals(new GlobalSessionsSettings.Namespace("web", 1500, Duration.ofMinutes(30), Duration.ofHours(12)), web);
        assertEquals("web:", web.prefix());

        String message = error(write("ns-big.conf", """
                global-sessions { tls.enabled = false, edge.table.record-size = 2048
                  edge.namespaces.carts { record-size = 2043, default-ttl = 2h, max-lifetime = 24h } }
                """));
        assertTrue(message.contains("global-sessions.edge.namespaces.carts.record-size = 2043: must fit the host table's records: "
                + "edge.table.record-size = 2048 holds at most 2042 bytes"), message);
        message = error(write("ns-long.conf", """
                global-sessions { tls.enabled = false
                  edge.namespaces.web { record-size = 100, default-ttl = 2h, max-lifetime = 1h } }
                """));
        assertTrue(message.contains("edge.namespaces.web.default-ttl = 2h: must not exceed global-sessions.edge.namespaces.web.max-lifetime = 1h")
                || message.contains("edge.namespaces.web.default-ttl = 2h: must not exceed edge.namespaces.web.max-lifetime = 1h"), message);
        message = error(write("ns-life.conf", """
                global-sessions { tls.enabled = false
                  edge.namespaces.web { record-size = 100, default-ttl = 1h, max-lifetime = 48h } }
                """));
        assertTrue(message.contains("edge.namespaces.web.max-lifetime = 48h: must not exceed relief.max-session-ttl = 24h"), message);
        message = error(write("ns-name.conf", """
                global-sessions { tls.enabled = false
                  edge.namespaces { "we b" { record-size = 100, default-ttl = 1h, max-lifetime = 2h } } }
                """));
        assertTrue(message.contains("a namespace is named by 1 to 64 letters, digits, '-' or '_'"), message);
        message = error(write("ns-missing.conf", """
                global-sessions { tls.enabled = false, edge.namespaces.web { record-size = 100 } }
                """));
        assertTrue(message.contains("edge.namespaces.web.max-lifetime is missing"), message);
    }

    @Test
    void aTombstoneTtlShorterThanTheLongestSessionTtlIsRefusedNamingBoth() throws IOException {
        String message = error(write("tomb.conf", "global-sessions { tls.enabled = false, relief.tombstone-ttl = 12h }"));
        assertTrue(message.contains("global-sessions.relief.tombstone-ttl = 12h: must be at least relief.max-session-ttl = 24h"),
                message);
        message = error(write("ttl.conf", "global-sessions { tls.enabled = false, relief.default-session-ttl = 48h }"));
        assertTrue(message.contains("global-sessions.relief.default-session-ttl = 48h: must not exceed relief.max-session-ttl = 24h"),
                message);
        GlobalSessionsSettings.Relief raised = ConfigFiles.load(write("raised.conf", "global-sessions { tls.enabled = false, "
                + "relief { default-session-ttl = 48h, max-session-ttl = 7d, tombstone-ttl = 8d } }")).relief();
        assertEquals(Duration.ofDays(7), raised.maxSessionTtl());
    }

    @Test
    void dispatcherThreadsOtherThanAutoSeparateOrACountIsNamed() throws IOException {
        String message = error(write("threads.conf", "global-sessions { tls.enabled = false, dispatcher-threads = many }"));
        assertTrue(message.contains("global-sessions.dispatcher-threads = \"many\": must be auto, separate, or a number of threads from 1 to 256"), message);
        message = error(write("zero.conf", "global-sessions { tls.enabled = false, dispatcher-threads = 0 }"));
        assertTrue(message.contains("global-sessions.dispatcher-threads = 0: must be"), message);
    }

    @Test
    void outOfRangeValueIsNamed() throws IOException {
        String message = error(write("range.conf", "global-sessions { tls.enabled = false, hashing.shards = 0 }"));
        assertTrue(message.contains("global-sessions.hashing.shards = 0: must be between 1 and 65536"), message);
        message = error(write("copies.conf", "global-sessions { tls.enabled = false, relief.replication-factor = 4 }"));
        assertTrue(message.contains("global-sessions.relief.replication-factor = 4: must be between 1 and 3"), message);
        message = error(write("window.conf", "global-sessions { tls.enabled = false, relay.push-window = 150ms }"));
        assertTrue(message.contains("relay.push-window") && message.contains("a tenth of relay.invalidation-timeout (100 ms)"),
                message);
        message = error(write("negative.conf", "global-sessions { tls.enabled = false, relay.push-window = -1ms }"));
        assertTrue(message.contains("relay.push-window"), message);
        assertEquals(Duration.ofMillis(20), ConfigFiles.load(write("window-ok.conf",
                "global-sessions { tls.enabled = false, relay.push-window = 20ms }")).relay().pushWindow());
        message = error(write("receivers.conf", "global-sessions { tls.enabled = false, relay.receivers-per-table = 0 }"));
        assertTrue(message.contains("global-sessions.relay.receivers-per-table = 0: must be between 1 and 16"), message);
        assertEquals(2, ConfigFiles.load(write("receivers-default.conf", "global-sessions { tls.enabled = false }")).relay()
                .receiversPerTable());
    }

    @Test
    void malformedFileNamesTheLine() throws IOException {
        Path file = write("broken.conf", "global-sessions {\n  roles = [relay\n  port = 1\n");
        String message = error(file);
        assertTrue(message.startsWith(file + ": malformed"), message);
    }

    @Test
    void seedFileWithATypoIsRefusedNamingTheKey() throws IOException {
        Path file = write("typo.conf", """
                {
                    "edge_supported_relay" : true,
                    "auth_path" : "auths",
                    "prot" : 7878,
                    "tls" : false
                }
                """);
        String message = error(file);
        assertTrue(message.contains("line 4: unknown key \"prot\" in the top level"), message);
    }

    @Test
    void seedFileWithoutTlsIsRefusedUnlessItSaysFalse() throws IOException {
        String relay = """
                { "edge_supported_relay" : true, "auth_path" : "a", "port" : 7878, TLS
                  "path_types" : { "a" : { "cache" : { "el_count" : 100, "record_size" : 100 } } } }
                """;
        String message = error(write("notls.conf", relay.replace("TLS", "")));
        assertTrue(message.contains("tls is missing: every connection is mutual TLS unless the config says \"tls\": false explicitly"), message);
        GlobalSessionsSettings plain = ConfigFiles.load(write("plain.conf", relay.replace("TLS", "\"tls\" : false,")));
        assertFalse(plain.tls().enabled());
    }

    @Test
    void missingCertificateFileIsNamed() throws IOException {
        String message = error(write("nocert.conf", "global-sessions { tls { key-file = keys/none.key, cert-file = keys/node.crt, ca-file = keys/ca.crt } }"));
        assertTrue(message.contains("global-sessions.tls.key-file = " + dir.resolve("keys/none.key") + ": no readable file there"), message);
        message = error(write("nokey.conf", "global-sessions { roles = [relay] }"));
        assertTrue(message.contains("global-sessions.tls.key-file = : is required while tls.enabled = true"), message);
    }

    @Test
    void fileWithNeitherShapeIsRefused() throws IOException {
        String message = error(write("other.conf", "{ \"database\" : \"postgres\" }"));
        assertTrue(message.contains("not a global-sessions config"), message);
        message = error(dir.resolve("missing.conf"));
        assertTrue(message.endsWith("missing.conf: no such file"), message);
    }

    @Test
    void seedRelayMustCreateItsTable() throws IOException {
        String message = error(write("relay-attach.conf", """
                { "edge_supported_relay" : true, "auth_path" : "a", "port" : 7878, "tls" : false,
                  "path_types" : { "a" : { "cache" : { "am_initializer" : false } } } }
                """));
        assertTrue(message.contains("path_types.a.cache.am_initializer = false: a relay creates its table"), message);
    }

    /**
     * A seed client file given to the server launcher failed with "unknown key \"my_messages\" in
     * the top level", which does not say what the file is or what to do with it (issue 23).
     */
    @Test
    void aSeedClientFileIsNamedAsOneWithHowToUseIt() throws IOException {
        Path file = write("client.json", """
                {
                    "lru" : { "manage_section" : true,
                              "cache" : { "token_path" : "./client.json", "seed" : 9849381, "record_size" : 1024, "el_count" : 20000 } },
                    "my_messages" : { "auth_path" : "auths", "address" : "127.0.0.1", "port" : 7878, %s }
                }
                """.formatted(SEED_TLS));
        String message = error(file);
        assertTrue(message.startsWith(file + ": a client file (the seed format's \"lru\" and \"my_messages\" objects): "
                + "it configures an application, not a node."), message);
        assertTrue(message.contains("SessionCacheManager.fromConfig(Path.of(\"" + file + "\")) or new SessionCacheManager(conf.lru, "
                + "conf.my_messages)"), message);
        assertTrue(message.contains("conf/seed/mid_relay.conf"), message);
    }

    @Test
    void aNativeClientFileIsNamedAsOneAndANodeFileIsNot() throws IOException {
        Path client = write("client.conf", """
                global-sessions {
                  edge { relays = ["127.0.0.1:25520"], table.manage-section = true }
                  tls { key-file = keys/node.key, cert-file = keys/node.crt, ca-file = keys/ca.crt }
                }
                """);
        String message = ConfigFiles.clientFileError(client).orElseThrow().getMessage();
        assertTrue(message.startsWith(client + ": a client file (a global-sessions.edge section and no roles)"), message);
        assertTrue(message.contains("SessionCacheManager.fromConfig"), message);

        Path relay = write("relay-with-edge.conf", """
                global-sessions { roles = [relay], edge.relays = ["127.0.0.1:25520"] }
                """);
        assertEquals(Optional.empty(), ConfigFiles.clientFileError(relay), "a node's file with edge settings is a node's");
    }
}
