package org.globalsessions.actors;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.testkit.NodeConfig;

/** Settings for the server nodes actors' tests start in their own JVM, on 127.0.0.1 with mutual TLS. */
public final class TestNodes {

    /** How long a node may take to stop once its shutdown began (see {@link NodeBootstrap#awaitTermination}). */
    public static final Duration STOP_BOUND = Duration.ofSeconds(60);

    private TestNodes() {
    }

    /**
     * Settings for a node with {@code roles} on {@code port} of 127.0.0.1, joining {@code seeds},
     * with the development certificates in {@code certificates} (made on first use: one CA per
     * directory) and {@code extra} settings (native keys, or keys that start with {@code pekko.}).
     */
    public static GlobalSessionsSettings node(Path certificates, List<Role> roles, int port, List<HostPort> seeds,
                                              Map<String, Object> extra) {
        Certificates.development(certificates);
        return NodeConfig.node(port).roles(roles.stream().map(Role::id).toList()).seeds(seeds).tls(certificates)
                .set(extra).read(SettingsReader::read);
    }
}
