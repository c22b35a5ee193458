package org.globalsessions.launcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.runtime.config.HostPort;

/**
 * {@code get}, {@code set} and {@code del} through a short-lived client: its own small table in
 * /dev/shm (removed afterwards), the relay and certificates given (defaults: those of {@code up},
 * from any folder).
 */
abstract class AdminCommand implements Callable<Integer> {

    private static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost", "::1");

    @Option(names = "--relay", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520", description = "relay to ask (default ${DEFAULT-VALUE})")
    String relay;

    @Option(names = "--certs", paramLabel = "DIR",
            description = "directory with node.key, node.crt and ca.crt (default: those of the `up` serving --relay on this "
                    + "host, else .global-sessions/certs)")
    Path certs;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15", description = "give up after (default ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (!verbose) {
            // The command prints its answer; what its short-lived edge logs at INFO (its private
            // table's lease, its relays) is not news to the person who ran it. Warnings still show.
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.globalsessions")).setLevel(Level.WARN);
        }
        Path certDir = certificates();
        Path table = Files.createTempFile(Path.of("/dev/shm"), "global-sessions-cli-", ".lru");
        Files.delete(table);
        try (SessionCacheManager client = SessionCacheManager.builder()
                .relays(relay)
                .certificates(certDir)
                .table(table)
                .elCount(16)
                .recordSize(65_000)
                .set("edge.first-contact-timeout", timeout + "s")
                .callbackExecutor(Runnable::run)
                .build()) {
            return run(client);
        } catch (CompletionException e) {
            throw new Main.CommandFailure(e.getCause().getMessage(), e.getCause());
        } finally {
            Files.deleteIfExists(table);
        }
    }

    abstract int run(SessionCacheManager client);

    /**
     * {@code --certs}, or else the certificates of the {@code up} serving {@code --relay} on this
     * host (its note, {@link UpCommand#certsNote}), or else {@code .global-sessions/certs} here
     * (what {@code up} makes when run in this folder). Names every place it looked when none holds
     * a key.
     */
    Path certificates() {
        if (certs != null) {
            if (!Files.isReadable(certs.resolve("node.key"))) {
                throw new IllegalArgumentException("--certs " + certs.toAbsolutePath().normalize() + ": no readable node.key there; "
                        + "make certificates with `global-sessions certs --out DIR`, or leave --certs out to use those of "
                        + "`global-sessions up`");
            }
            return certs;
        }
        HostPort address = HostPort.parse(relay);
        List<String> looked = new ArrayList<>();
        if (LOOPBACK.contains(address.host())) {
            Optional<Path> noted = UpCommand.notedCerts(address.port());
            if (noted.isPresent() && Files.isReadable(noted.get().resolve("node.key"))) {
                return noted.get();
            }
            looked.add(noted.map(dir -> dir + " (noted by `up` on port " + address.port() + ", but without node.key)")
                    .orElse("no running `up` on port " + address.port() + " (it leaves a note in "
                            + UpCommand.certsNote(address.port()) + ")"));
        }
        Path here = Path.of(".global-sessions", "certs").toAbsolutePath();
        if (Files.isReadable(here.resolve("node.key"))) {
            return here;
        }
        looked.add(here + " (no node.key there)");
        throw new IllegalArgumentException("no certificates to reach " + relay + ": looked at " + String.join(", then ", looked)
                + "; start `global-sessions up`, or pass --certs DIR (node.key, node.crt and ca.crt, as "
                + "`global-sessions certs --out DIR` makes them)");
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a session's value (exit 1 if there is none).")
    static final class Get extends AdminCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        int run(SessionCacheManager client) {
            Optional<byte[]> value = client.get(key).toCompletableFuture().join();
            if (value.isEmpty()) {
                System.err.println("global-sessions: no session " + key);
                return Main.FAILED;
            }
            System.out.println(new String(value.get(), StandardCharsets.UTF_8));
            return Main.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Store a session (UTF-8 value); prints its version.")
    static final class Set extends AdminCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Option(names = "--ttl", paramLabel = "SECONDS", description = "time to live (default: the cluster's default session TTL)")
        Long ttl;

        @Override
        int run(SessionCacheManager client) {
            long version = client.set(key, value.getBytes(StandardCharsets.UTF_8), ttl == null ? null : Duration.ofSeconds(ttl))
                    .toCompletableFuture().join();
            System.out.println("stored " + key + " at version " + version);
            return Main.OK;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Delete (log out) a session in every tier.")
    static final class Del extends AdminCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        int run(SessionCacheManager client) {
            client.delete(key).toCompletableFuture().join();
            System.out.println("deleted " + key);
            return Main.OK;
        }
    }
}
