package org.globalsessions.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.globalsessions.runtime.config.ConfigFiles;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.SettingsReader;

/**
 * {@code global-sessions CONFIG} or {@code global-sessions --role R [...]}: starts the node a
 * config file (native or seed shape) and the flags describe; flags win over the file.
 */
@Command(name = "global-sessions", mixinStandardHelpOptions = true, version = "global-sessions 0.1.0",
        description = {"Runs a node of a global-sessions cluster, or one of the tools below.",
                "",
                "  global-sessions CONFIG                      start the role(s) CONFIG names (native or seed format)",
                "  global-sessions --role relay --certs DIR    the same from flags",
                "  global-sessions up                          every role in one JVM on 127.0.0.1 (development)"},
        subcommands = {UpCommand.class, CertsCommand.class, InspectCommand.class, AdminCommand.Get.class,
                AdminCommand.Set.class, AdminCommand.Del.class, StatusCommand.class},
        sortOptions = false)
final class GlobalSessionsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "configuration file of the node")
    Path configArgument;

    @Option(names = "--config", paramLabel = "FILE", description = "configuration file (same as CONFIG)")
    Path configOption;

    @Option(names = "--role", split = ",", paramLabel = "ROLE",
            description = "relay, sibling, relief-expansion, relief-aging or all (repeatable, comma-separated)")
    List<String> roles = new ArrayList<>();

    @Option(names = "--port", paramLabel = "N", description = "port to listen on")
    Integer port;

    @Option(names = "--hostname", paramLabel = "HOST", description = "address peers reach this node at")
    String hostname;

    @Option(names = "--seed-node", paramLabel = "HOST:PORT", description = "node to join the cluster through (repeatable)")
    List<String> seedNodes = new ArrayList<>();

    @Option(names = "--certs", paramLabel = "DIR", description = "directory with node.key, node.crt and ca.crt (see `certs`)")
    Path certs;

    @Option(names = "--metrics-port", paramLabel = "N", description = "serve Prometheus metrics on 127.0.0.1:N")
    Integer metricsPort;

    @Option(names = "--check", description = "validate the configuration, print what would run, and exit")
    boolean check;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() {
        if (configArgument != null && configOption != null) {
            throw new IllegalArgumentException("give the config file once: either CONFIG or --config, not both");
        }
        Path config = configArgument != null ? configArgument : configOption;
        if (config == null && roles.isEmpty()) {
            spec.commandLine().usage(spec.commandLine().getErr());
            return Main.USAGE;
        }
        if (config != null && roles.isEmpty()) {
            // Before its settings are read: an application's file is named as such, not by the first key a node lacks.
            ConfigFiles.clientFileError(config).ifPresent(e -> {
                throw e;
            });
        }
        GlobalSessionsSettings settings = config != null
                ? ConfigFiles.load(config, flags())
                : SettingsReader.read(flags(), "command-line flags");
        if (settings.roles().isEmpty()) {
            throw new IllegalArgumentException((config != null ? config + ": " : "") + "no role to run: name one with --role ("
                    + Role.names() + ")");
        }
        if (check) {
            System.out.println((config != null ? config + ": " : "") + NodeRunner.roles(settings) + " on "
                    + (settings.port() == 0 ? settings.hostname() + " (any free port)" : settings.address().toString())
                    + (settings.seedNodes().isEmpty() ? ", starting a new cluster" : ", joining through " + settings.seedNodes())
                    + (settings.tls().enabled() ? ", mutual TLS" : ", CLEAR TEXT"));
            return Main.OK;
        }
        return NodeRunner.run(settings, null);
    }

    /** The flags as native settings, which win over the file. */
    Config flags() {
        Map<String, Object> keys = new HashMap<>();
        String root = GlobalSessionsSettings.ROOT + ".";
        if (!roles.isEmpty()) {
            for (String role : roles) {
                if (!Role.ALL.equals(role)) {
                    Role.parse(role); // names the bad role now, before anything starts
                }
            }
            keys.put(root + "roles", roles);
        }
        if (port != null) {
            keys.put(root + "port", port);
        }
        if (hostname != null) {
            keys.put(root + "hostname", hostname);
        }
        if (!seedNodes.isEmpty()) {
            keys.put(root + "seed-nodes", seedNodes);
        }
        if (certs != null) {
            keys.put(root + "tls.enabled", true);
            keys.put(root + "tls.key-file", certs.resolve("node.key").toAbsolutePath().toString());
            keys.put(root + "tls.cert-file", certs.resolve("node.crt").toAbsolutePath().toString());
            keys.put(root + "tls.ca-file", certs.resolve("ca.crt").toAbsolutePath().toString());
        }
        if (metricsPort != null) {
            keys.put(root + "metrics.port", metricsPort);
        }
        return ConfigFactory.parseMap(keys, "command-line flags");
    }
}
