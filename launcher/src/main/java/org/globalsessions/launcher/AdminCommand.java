package org.globalsessions.launcher;

import java.io.IOException;
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
import org.globalsessions.runtime.tls.Certificates;

/**
 * {@code get}, {@code set} and {@code del} through a short-lived client: its own small table in
 * /dev/shm (removed afterwards), the relay and the operator identity given (defaults: those of
 * {@code up}, from any folder). Session ids and values are secrets: {@code --key-file} and
 * {@code --value-file} ({@code -} for standard input) keep them out of the process list, where
 * arguments are visible to every local user; arguments still work, for development.
 */
abstract class AdminCommand implements Callable<Integer> {

    @Option(names = "--relay", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520", description = "relay to ask (default ${DEFAULT-VALUE})")
    String relay;

    @Mixin
    ClusterAccess access;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "read the session id from FILE (- for standard input: its first line) instead of the KEY argument")
    Path keyFile;

    @Parameters(index = "0", arity = "0..1", paramLabel = "KEY",
            description = "the session id. WARNING: arguments are visible to other local users (ps); prefer --key-file")
    String keyArgument;

    /** Standard input, read once: with both {@code --key-file -} and {@code --value-file -}, its first line is the key. */
    private String stdin;

    @Override
    public Integer call() throws Exception {
        if (!access.verbose) {
            // The command prints its answer; what its short-lived edge logs at INFO (its private
            // table's lease, its relays) is not news to the person who ran it. Warnings still show.
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.globalsessions")).setLevel(Level.WARN);
        }
        String key = key();
        Path certDir = access.certificates(HostPort.parse(relay));
        Certificates.NodeFiles operator = ClusterAccess.operatorFiles(certDir);
        Path table = Files.createTempFile(Path.of("/dev/shm"), "global-sessions-cli-", ".lru");
        Files.delete(table);
        try (SessionCacheManager client = SessionCacheManager.builder()
                .relays(relay)
                .certificates(operator.keyFile(), operator.certFile(), operator.caFile())
                .table(table)
                .elCount(16)
                .recordSize(65_000)
                .set("edge.first-contact-timeout", access.timeout + "s")
                .callbackExecutor(Runnable::run)
                .build()) {
            return run(client, key);
        } catch (CompletionException e) {
            throw new Main.CommandFailure(e.getCause().getMessage(), e.getCause());
        } finally {
            Files.deleteIfExists(table);
        }
    }

    abstract int run(SessionCacheManager client, String key);

    /** The session id: from {@code --key-file}, else the argument. */
    private String key() throws IOException {
        if (keyFile != null && keyArgument != null) {
            throw new IllegalArgumentException("give the session id either as KEY or with --key-file, not both");
        }
        String key = keyFile != null ? firstLine(read(keyFile)) : keyArgument;
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("no session id: give it with --key-file FILE (- for standard input), or as KEY");
        }
        return key;
    }

    /** {@code file}'s text, or standard input's for {@code -} (read once). */
    String read(Path file) throws IOException {
        if (file.toString().equals("-")) {
            if (stdin == null) {
                stdin = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return stdin;
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** The value's text: what {@link #read} gives, after the key's line when both come from standard input. */
    String rest(Path file) throws IOException {
        String text = read(file);
        if (file.toString().equals("-") && keyFile != null && keyFile.toString().equals("-")) {
            int newline = text.indexOf('\n');
            return newline < 0 ? "" : text.substring(newline + 1);
        }
        return text;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a session's value (exit 1 if there is none).")
    static final class Get extends AdminCommand {
        @Override
        int run(SessionCacheManager client, String key) {
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
        @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE",
                description = "the value (UTF-8). WARNING: arguments are visible to other local users (ps); prefer --value-file")
        String value;

        @Option(names = "--value-file", paramLabel = "FILE", description = "read the value from FILE (- for standard input)")
        Path valueFile;

        @Option(names = "--ttl", paramLabel = "SECONDS", description = "time to live (default: the cluster's default session TTL)")
        Long ttl;

        @Override
        int run(SessionCacheManager client, String key) {
            String text;
            try {
                text = value();
            } catch (IOException e) {
                throw new IllegalArgumentException("--value-file " + valueFile + ": " + e.getMessage(), e);
            }
            long version = client.set(key, text.getBytes(StandardCharsets.UTF_8), ttl == null ? null : Duration.ofSeconds(ttl))
                    .toCompletableFuture().join();
            System.out.println("stored " + key + " at version " + version);
            return Main.OK;
        }

        private String value() throws IOException {
            if (valueFile != null && value != null) {
                throw new IllegalArgumentException("give the value either as VALUE or with --value-file, not both");
            }
            if (valueFile == null && value == null) {
                throw new IllegalArgumentException("no value: give it with --value-file FILE (- for standard input), or as VALUE");
            }
            return valueFile != null ? rest(valueFile) : value;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Delete (log out) a session in every tier.")
    static final class Del extends AdminCommand {
        @Override
        int run(SessionCacheManager client, String key) {
            client.delete(key).toCompletableFuture().join();
            System.out.println("deleted " + key);
            return Main.OK;
        }
    }
}
