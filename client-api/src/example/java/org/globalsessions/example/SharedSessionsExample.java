package org.globalsessions.example;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.globalsessions.client.SessionCacheManager;

/**
 * Two processes on one host sharing sessions through the host's shared-memory table.
 *
 * <pre>
 *   # terminal 1: a cluster on this machine (prints the relay address and the certificates folder)
 *   ./global-sessions up
 *   # terminal 2: the process that creates the host's table and logs a user in
 *   java ... org.globalsessions.example.SharedSessionsExample login 127.0.0.1:25520 .global-sessions/certs
 *   # terminal 3: another process on the host, attached to the same table: reads it with no network hop
 *   java ... org.globalsessions.example.SharedSessionsExample check 127.0.0.1:25520 .global-sessions/certs
 * </pre>
 *
 * The {@code login} process keeps running (it owns the table) until Enter is pressed; the
 * {@code check} process prints where the session came from and exits.
 */
public final class SharedSessionsExample {

    /** The session a web application keeps per logged-in user. */
    public record UserSession(String user, String role) {
    }

    private SharedSessionsExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SharedSessionsExample login|check RELAY_HOST:PORT CERTS_DIR [TABLE_FILE]");
            System.exit(2);
        }
        boolean login = args[0].equals("login");
        Path table = Path.of(args.length > 3 ? args[3] : "/dev/shm/global-sessions-example.lru");
        try (SessionCacheManager sessions = SessionCacheManager.builder()
                .relays(args[1])
                .certificates(Path.of(args[2]))
                .table(table)
                .manageSection(login)
                .build()) {
            String sessionId = "3f2a9c4e7b1d8a6f5e4c3b2a1d0e9f8c";
            if (login) {
                long version = sessions.set(sessionId, new UserSession("alice", "admin"), Duration.ofMinutes(30))
                        .toCompletableFuture().join();
                System.out.println("logged in: session " + sessionId + " version " + version + "; press Enter to stop");
                System.in.read();
            } else {
                Optional<byte[]> local = sessions.getLocal(sessionId);
                System.out.println(local.isPresent()
                        ? "found in this host's shared memory: " + new String(local.get(), StandardCharsets.UTF_8)
                        : "not in this host's shared memory");
                Optional<UserSession> session = sessions.get(sessionId, UserSession.class).toCompletableFuture().join();
                System.out.println("session: " + session.map(Object::toString).orElse("none"));
            }
        }
    }
}
