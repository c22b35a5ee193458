package org.globalsessions.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import com.typesafe.config.ConfigFactory;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.SerializationExtension;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.WireSerializer;

/**
 * What a message's actor ref costs on the wire: a write ({@code RelayCommand.Put}, a 300-byte
 * session, answered to an edge on another host) and a message that is only a ref
 * ({@code Unsubscribe}) through {@link WireSerializer}, written into a buffer and read back as
 * Artery does, against Pekko's own ref round trip ({@code ActorRefResolver}: the path string
 * built, then parsed into a new ref), which is what every ref cost before the serializer kept
 * the refs it saw. One actor system with Artery (plain TCP, nothing connects).
 *
 * <p>{@code java -jar bench/target/benchmarks.jar WireSerializerBench -prof gc}
 */
@State(Scope.Benchmark)
public class WireSerializerBench extends BenchBase {

    private ActorSystem<Void> system;
    private WireSerializer serializer;
    private ActorRefResolver resolver;
    private ActorRef<EdgeCommand> edge;
    private RelayCommand.Put put;
    private RelayCommand.Unsubscribe unsubscribe;
    private ByteBuffer buffer;

    @Setup(Level.Trial)
    public void start() {
        system = ActorSystem.create(Behaviors.empty(), "global-sessions", ConfigFactory.parseString("""
                pekko.actor.provider = remote
                pekko.remote.artery.transport = tcp
                pekko.remote.artery.canonical.hostname = 127.0.0.1
                pekko.remote.artery.canonical.port = 0
                pekko.loglevel = WARNING
                """).withFallback(ConfigFactory.load()));
        resolver = ActorRefResolver.get(system);
        edge = resolver.resolveActorRef("pekko://global-sessions@10.0.0.2:25520/user/global-sessions-edge#-841552129");
        byte[] session = new byte[300];
        new java.util.SplittableRandom(SEED).nextBytes(session);
        put = new RelayCommand.Put("2b6c1f0e9a7d4c3b8e5f6a1d2c3b4a59", session, 1_765_000_000_000L << 16, 1_800_000, 42, edge);
        unsubscribe = new RelayCommand.Unsubscribe(edge);
        serializer = (WireSerializer) SerializationExtension.get(Adapter.toClassic(system)).findSerializerFor(put);
        buffer = ByteBuffer.allocate(4096);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Object roundTrip(Object message) throws Exception {
        buffer.clear();
        serializer.toBinary(message, buffer);
        buffer.flip();
        return serializer.fromBinary(buffer, serializer.manifest(message));
    }

    @Benchmark
    public Object putRoundTrip() throws Exception {
        return roundTrip(put);
    }

    @Benchmark
    public Object refOnlyRoundTrip() throws Exception {
        return roundTrip(unsubscribe);
    }

    /** The peer: one ref as Pekko formats and resolves it, with the UTF-8 steps the wire adds. */
    @Benchmark
    public Object pekkoRefRoundTrip() {
        byte[] format = resolver.toSerializationFormat(edge).getBytes(StandardCharsets.UTF_8);
        return resolver.resolveActorRef(new String(format, StandardCharsets.UTF_8));
    }
}
