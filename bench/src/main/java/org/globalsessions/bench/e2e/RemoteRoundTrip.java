package org.globalsessions.bench.e2e;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.typesafe.config.ConfigFactory;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;

/**
 * The floor under every remote path: one request and its answer between two JVMs with the
 * project's own Pekko configuration (Artery over mutual TLS, the same messages and
 * serializer), and nothing else: the server answers a {@code Get} with {@code NotFound} from
 * its actor, the client tells from a plain thread (as {@code EdgeCache} does) and waits for the
 * answer to reach its guardian, one request in flight.
 *
 * <pre>
 *   java FLAGS -cp benchmarks.jar org.globalsessions.bench.e2e.RemoteRoundTrip server PORT CERTS
 *   java FLAGS -cp benchmarks.jar org.globalsessions.bench.e2e.RemoteRoundTrip client PORT CERTS [REQUESTS]
 * </pre>
 * The client prints p50 / p99 / p99.9 / max in µs after a warm-up of a fifth of the requests.
 * {@code -Drtt.pekko='…'} (HOCON, on both sides) tries Pekko settings on top of the project's.
 */
public final class RemoteRoundTrip {

    private RemoteRoundTrip() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: RemoteRoundTrip server|client PORT CERTS_DIR [REQUESTS]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        Path certs = Path.of(args[2]);
        if (args[0].equals("server")) {
            ServerNode.startSystem(Behaviors.receive(RelayCommand.class)
                    .onMessage(RelayCommand.Get.class, get -> {
                        get.replyTo().tell(new EdgeCommand.NotFound(get.requestId(), get.key(), 0));
                        return Behaviors.same();
                    }).build(), settings(port, certs));
            Thread.currentThread().join();
        }
        int requests = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        ConcurrentHashMap<Long, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
        Behavior<EdgeCommand> answers = Behaviors.receive(EdgeCommand.class)
                .onMessage(EdgeCommand.NotFound.class, answer -> {
                    waiting.remove(answer.requestId()).complete(null);
                    return Behaviors.same();
                }).build();
        ActorSystem<EdgeCommand> system = NodeBootstrap.start(answers, settings(0, certs), PekkoConfig.Kind.EDGE);
        ActorRef<RelayCommand> server = ActorRefResolver.get(system).resolveActorRef(
                PekkoConfig.address(system.name(), new HostPort("127.0.0.1", port)) + "/user");
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        int warmUp = requests / 5;
        for (long id = 0; id < warmUp + requests; id++) {
            CompletableFuture<Void> answered = new CompletableFuture<>();
            waiting.put(id, answered);
            long start = System.nanoTime();
            server.tell(new RelayCommand.Get("k", id, system, 0));
            answered.get(id == 0 ? 30 : 5, TimeUnit.SECONDS);
            if (id >= warmUp) {
                histogram.recordValue(System.nanoTime() - start);
            }
        }
        System.out.printf("remote round trip (Artery, mutual TLS, one in flight, %d requests): p50 %.1f µs, p99 %.1f µs, "
                        + "p99.9 %.1f µs, max %.1f µs%n", requests, histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getValueAtPercentile(99.9) / 1e3, histogram.getMaxValue() / 1e3);
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static GlobalSessionsSettings settings(int port, Path certs) {
        return SettingsReader.read(ConfigFactory.parseString("""
                global-sessions {
                  hostname = "127.0.0.1"
                  port = %d
                  tls { key-file = "%s", cert-file = "%s", ca-file = "%s" }
                }
                pekko { %s }
                """.formatted(port, certs.resolve("node.key"), certs.resolve("node.crt"), certs.resolve("ca.crt"),
                System.getProperty("rtt.pekko", ""))),
                "RemoteRoundTrip");
    }
}
