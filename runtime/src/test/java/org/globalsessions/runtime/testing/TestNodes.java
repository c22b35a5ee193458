package org.globalsessions.runtime.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;

/**
 * Settings for nodes and edges of a test cluster on 127.0.0.1 with mutual TLS: a CA per
 * {@link TestNodes} instance, one certificate for all its nodes, free ports.
 */
public final class TestNodes {

    private final Path dir;
    private final Certificates.NodeFiles files;

    /** A CA and node certificate in {@code dir} (a test's temporary directory). */
    public TestNodes(Path dir) {
        this.dir = dir;
        Certificates.Authority ca = Certificates.newAuthority("test CA " + dir.getFileName());
        this.files = Certificates.writeNode(ca, dir, "node", List.of("127.0.0.1", "localhost"));
    }

    public Path dir() {
        return dir;
    }

    public Certificates.NodeFiles files() {
        return files;
    }

    /**
     * Settings for a node with {@code roles} on {@code port}, joining {@code seeds}, plus any
     * {@code extra} HOCON under the global-sessions root.
     */
    public GlobalSessionsSettings node(List<Role> roles, int port, List<HostPort> seeds, String extra) {
        String config = "global-sessions {\n"
                + "  roles = [" + roles.stream().map(Role::id).collect(Collectors.joining(", ")) + "]\n"
                + "  hostname = \"127.0.0.1\"\n"
                + "  port = " + port + "\n"
                + "  seed-nodes = [" + seeds.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ")) + "]\n"
                + "  tls { key-file = \"" + files.keyFile() + "\", cert-file = \"" + files.certFile() + "\", ca-file = \"" + files.caFile() + "\" }\n"
                + extra + "\n}\n";
        return SettingsReader.read(ConfigFactory.parseString(config), "test node " + port);
    }

    /** The same, from a map of extra keys: under global-sessions, except those that start with {@code pekko.}. */
    public GlobalSessionsSettings node(List<Role> roles, int port, List<HostPort> seeds, Map<String, Object> extra) {
        Config base = ConfigFactory.parseMap(extra.entrySet().stream().collect(Collectors.toMap(
                e -> e.getKey().startsWith("pekko.") ? e.getKey() : GlobalSessionsSettings.ROOT + "." + e.getKey(),
                Map.Entry::getValue)));
        GlobalSessionsSettings plain = node(roles, port, seeds, "");
        return SettingsReader.read(base.withFallback(plain.config()), plain.source());
    }
}
