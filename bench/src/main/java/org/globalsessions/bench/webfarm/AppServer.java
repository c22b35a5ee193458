package org.globalsessions.bench.webfarm;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One app process of the web farm: it embeds one backend ({@link Backend}) as an application
 * would and answers the load generator's {@link Protocol} on a port of 127.0.0.1 the kernel
 * picks, one thread per connection. It times each backend call itself ({@link AppStats}), so
 * what the load generator's hop costs is not in the latencies. It prints {@code ready PORT} once
 * the backend answers (for global-sessions: once its L1 is leased), and exits when its standard
 * input closes (the load generator stopped it, or died), or when it cannot start (exit 1).
 *
 * <p>Usage: {@code AppServer --backend B --certs DIR} (B one of {@link FarmOptions#BACKENDS}) and,
 * for global-sessions, {@code --relay HOST:PORT --table FILE --creates true|false --entries N
 * [--store-arrivals true|false|default]}; for the Redis backends {@code --redis-port P}.
 */
public final class AppServer {

    /** A login's TTL: 30 minutes, longer than any run, so no session expires while measured. */
    static final Duration SESSION_TTL = Duration.ofMinutes(30);
    /** A session's size: about what a web session with a user, roles and a CSRF token takes. */
    static final int SESSION_BYTES = 300;

    private final Backend backend;
    private final AppStats stats = new AppStats();
    private final byte[] session;
    private final AtomicInteger connections = new AtomicInteger();

    private AppServer(Backend backend, long seed) {
        this.backend = backend;
        this.session = new byte[SESSION_BYTES];
        new SplittableRandom(seed).nextBytes(session);
    }

    public static void main(String[] args) {
        ServerSocket server;
        AppServer app;
        try {
            // port 0: a port picked elsewhere could be taken meanwhile, e.g. as another process's ephemeral port
            server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
            Backend backend = open(options(args));
            app = new AppServer(backend, server.getLocalPort());
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            System.exit(1); // a started backend (Pekko) may hold non-daemon threads
            return;
        }
        Backend backend = app.backend;
        Thread stopper = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // run until the load generator closes our input
                }
            } catch (IOException ignored) {
                // the parent is gone: stop as well
            }
            backend.close();
            System.exit(0);
        }, "app-stdin");
        stopper.setDaemon(true);
        stopper.start();
        System.out.println("ready " + server.getLocalPort());
        System.out.flush();
        try {
            while (true) {
                Socket socket = server.accept();
                Thread thread = new Thread(() -> app.serve(socket), "app-conn-" + app.connections.incrementAndGet());
                thread.setDaemon(true);
                thread.start();
            }
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static Backend open(Map<String, String> options) {
        Path certs = Path.of(required(options, "certs"));
        String kind = required(options, "backend");
        return switch (kind) {
            case FarmReport.GLOBAL_SESSIONS, FarmReport.ARRIVALS_ON, FarmReport.ARRIVALS_OFF -> new GlobalSessionsBackend(
                    required(options, "relay"), certs, Path.of(required(options, "table")), Boolean.parseBoolean(required(options, "creates")),
                    Long.parseLong(options.getOrDefault("entries", "0")), options.getOrDefault("store-arrivals", "default"));
            case "redis-tls" -> new JedisBackend(Integer.parseInt(required(options, "redis-port")), certs);
            case "lettuce-near-cache" -> retried(() -> new LettuceNearCacheBackend(Integer.parseInt(required(options, "redis-port")), certs));
            default -> throw new IllegalArgumentException("backend=" + kind
                    + " is not one of " + FarmOptions.BACKENDS);
        };
    }

    /**
     * {@code open}'s backend, tried up to three times: twelve JVMs starting at once on two vCPUs
     * can stretch a first TLS handshake past the client's connect timeout (nothing is measured yet).
     */
    private static Backend retried(Supplier<Backend> open) {
        for (int attempt = 1; ; attempt++) {
            try {
                return open.get();
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.err.println("app: opening the backend failed (attempt " + attempt + " of 3): " + e);
            }
        }
    }

    /** Answers one connection's requests until it closes. The backend client is opened at the first session op. */
    private void serve(Socket socket) {
        Backend.Client client = null;
        try (socket;
             DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()))) {
            socket.setTcpNoDelay(true);
            while (true) {
                byte op;
                try {
                    op = in.readByte();
                } catch (EOFException e) {
                    return;
                }
                if (op == Protocol.RESET || op == Protocol.STATS) {
                    AppStats.Snapshot snapshot = stats.interval();
                    out.writeByte(Protocol.OK);
                    if (op == Protocol.STATS) {
                        snapshot.write(out);
                    }
                } else {
                    String id = in.readUTF();
                    if (client == null) {
                        client = backend.connect();
                    }
                    answer(client, op, id, out);
                }
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("app: connection closed: " + e);
        } finally {
            if (client != null && client != backend) {
                client.close();
            }
        }
    }

    private void answer(Backend.Client client, byte op, String id, DataOutputStream out) throws IOException {
        String name = switch (op) {
            case Protocol.LOGIN -> "login";
            case Protocol.VALIDATE -> "validate";
            case Protocol.LOGOUT -> "logout";
            case Protocol.CHECK -> "check";
            default -> throw new IOException("unknown op " + op);
        };
        try {
            long start = System.nanoTime();
            switch (op) {
                case Protocol.LOGIN -> {
                    client.login(id, session, SESSION_TTL);
                    stats.login(System.nanoTime() - start);
                    out.writeByte(Protocol.OK);
                }
                case Protocol.VALIDATE -> {
                    String tier = client.validate(id);
                    stats.validation(System.nanoTime() - start, tier);
                    if (AppStats.local(tier)) {
                        long again = System.nanoTime();
                        if (AppStats.local(client.validate(id))) {
                            stats.repeat(System.nanoTime() - again);
                        }
                    }
                    out.writeByte(tier == null ? Protocol.MISSING : Protocol.FOUND);
                }
                case Protocol.LOGOUT -> {
                    client.logout(id);
                    stats.logout(System.nanoTime() - start);
                    out.writeByte(Protocol.OK);
                }
                default -> out.writeByte(client.validate(id) == null ? Protocol.MISSING : Protocol.FOUND);
            }
        } catch (RuntimeException e) {
            stats.failed(name);
            out.writeByte(Protocol.FAILED);
            String message = String.valueOf(e);
            out.writeUTF(message.length() > 1_000 ? message.substring(0, 1_000) : message);
        }
    }

    private static Map<String, String> options(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs (--name value): " + String.join(" ", args));
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("option=" + args[i] + " must start with --");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is missing");
        }
        return value;
    }
}
