package org.globalsessions.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import com.typesafe.config.ConfigFactory;
import picocli.CommandLine.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.shm.ShmLru;

/**
 * The embedded default: every server role in one JVM on 127.0.0.1, with a development CA and
 * node certificate made on first run, and one line saying where it listens and how to point a
 * client at it. While it runs, a note in /dev/shm ({@link #certsNote}) tells {@code get},
 * {@code set} and {@code del} where its certificates are.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run every server role in one JVM on 127.0.0.1 (development certificates made on first run).")
final class UpCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

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
        Path note = certsNote(port);
        AtomicBoolean noted = new AtomicBoolean();
        try {
            return NodeRunner.run(settings, address -> {
                noted.set(writeNote(note, certs)); // once the port is ours: never over the note of an up already running
                System.out.println("global-sessions up: relay, sibling, relief-expansion and relief-aging on " + address
                        + " (mutual TLS, certificates in " + certs + ")"
                        + (metricsPort > 0 ? ", metrics on http://127.0.0.1:" + metricsPort + "/metrics" : "")
                        + ". Point a client at it with SessionCacheManager.builder().relays(\"" + address
                        + "\").certificates(Path.of(\"" + certs + "\")), or try: ./global-sessions set KEY VALUE"
                        + (port == 25520 ? "" : " --relay " + address));
            });
        } finally {
            if (noted.get()) {
                deleteNote(note);
            }
        }
    }

    /**
     * The note in which a running {@code up} on {@code port} says where its certificates are, so
     * that {@code get}, {@code set} and {@code del} find them from any folder (its {@code --dir} is
     * relative to the folder it was started in). Beside the tables in /dev/shm: gone at a reboot,
     * like the {@code up} it describes; removed when {@code up} stops.
     */
    static Path certsNote(int port) {
        return ShmLru.DEFAULT_DIRECTORY.resolve("global-sessions-up-" + port + ".certs");
    }

    /** The certificate folder a running {@code up} on {@code port} noted, if there is a note. */
    static Optional<Path> notedCerts(int port) {
        try {
            return Optional.of(Path.of(Files.readString(certsNote(port)).strip()));
        } catch (IOException | InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static boolean writeNote(Path note, Path certs) {
        try {
            Files.deleteIfExists(note); // a note left by an up that was killed
            Files.writeString(Files.createFile(note, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    certs.toString());
            return true;
        } catch (IOException e) {
            log.debug("cannot write {}: {}; get, set and del find these certificates only with --certs", note, e.toString());
            return false;
        }
    }

    private static void deleteNote(Path note) {
        try {
            Files.deleteIfExists(note);
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", note, e.toString());
        }
    }
}
