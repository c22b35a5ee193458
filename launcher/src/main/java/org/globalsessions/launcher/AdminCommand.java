package org.globalsessions.launcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--relay", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520", description = "relay to ask (default ${DEFAULT-VALUE})")
    String relay;

    @Mixin
    ClusterAccess access;

    @Override
    public Integer call() throws Exception {
        if (!access.verbose) {
            // The command prints its answer; what its short-lived edge logs at INFO (its private
            // table's lease, its relays) is not news to the person who ran it. Warnings still show.
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.globalsessions")).setLevel(Level.WARN);
        }
        Path certDir = access.certificates(HostPort.parse(relay));
        Path table = Files.createTempFile(Path.of("/dev/shm"), "global-sessions-cli-", ".lru");
        Files.delete(table);
        try (SessionCacheManager client = SessionCacheManager.builder()
                .relays(relay)
                .certificates(certDir)
                .table(table)
                .elCount(16)
                .recordSize(65_000)
                .set("edge.first-contact-timeout", access.timeout + "s")
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
