package org.globalsessions.launcher;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.typesafe.config.ConfigFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;

/**
 * The embedded default: every server role in one JVM on 127.0.0.1, with a development CA and
 * node certificate made on first run, and one line saying where it listens and how to point a
 * client at it.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run every server role in one JVM on 127.0.0.1 (development certificates made on first run).")
final class UpCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "N", defaultValue = "25520", description = "relay port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--metrics-port", paramLabel = "N", defaultValue = "9464",
            description = "Prometheus metrics on 127.0.0.1:N, 0 for none (default ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".global-sessions",
            description = "where the development certificates live (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--config", paramLabel = "FILE", description = "extra settings (native format) under the defaults of `up`")
    Path config;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() {
        Path certs = dir.resolve("certs").toAbsolutePath().normalize();
        Certificates.NodeFiles files = Certificates.development(certs);
        Map<String, Object> keys = new HashMap<>();
        String root = GlobalSessionsSettings.ROOT + ".";
        keys.put(root + "roles", List.of(Role.ALL));
        keys.put(root + "hostname", "127.0.0.1");
        keys.put(root + "port", port);
        keys.put(root + "seed-nodes", List.of());
        keys.put(root + "metrics.port", metricsPort);
        keys.put(root + "tls.enabled", true);
        keys.put(root + "tls.key-file", files.keyFile().toString());
        keys.put(root + "tls.cert-file", files.certFile().toString());
        keys.put(root + "tls.ca-file", files.caFile().toString());
        var flags = ConfigFactory.parseMap(keys, "global-sessions up");
        GlobalSessionsSettings settings = config != null
                ? org.globalsessions.runtime.config.ConfigFiles.load(config, flags)
                : SettingsReader.read(flags, "global-sessions up");
        return NodeRunner.run(settings, address -> System.out.println(
                "global-sessions up: relay, sibling, relief-expansion and relief-aging on " + address
                        + " (mutual TLS, certificates in " + certs + ")"
                        + (metricsPort > 0 ? ", metrics on http://127.0.0.1:" + metricsPort + "/metrics" : "")
                        + ". Point a client at it with SessionCacheManager.builder().relays(\"" + address
                        + "\").certificates(Path.of(\"" + certs + "\")), or try: ./global-sessions set KEY VALUE"
                        + (port == 25520 ? "" : " --relay " + address)));
    }
}
