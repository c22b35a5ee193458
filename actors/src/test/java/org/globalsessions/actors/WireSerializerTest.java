package org.globalsessions.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.NotSerializableException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.globalsessions.actors.node.NodeStatus;
import org.globalsessions.actors.relay.WriterSlots;
import org.globalsessions.actors.relief.AgingReplica;
import org.globalsessions.actors.relief.ExpansionReplica;
import org.globalsessions.actors.relief.Lineage;
import org.globalsessions.actors.relief.ReplicaSync;
import org.globalsessions.actors.sibling.SiblingActor;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.Tier;
import org.globalsessions.runtime.protocol.Wire;
import org.globalsessions.runtime.protocol.WireSerializer;

/**
 * Every protocol message, the edges' and the server roles', through the serializer Pekko picks
 * for it (so the binding in reference.conf is checked too), by both of its paths (a byte array,
 * and Artery's little-endian buffer at an offset), with every component set, then with every
 * reference component null; and what it refuses: unknown types, truncated, padded and corrupt
 * payloads, and the server protocols when its configuration does not name them. It lives in the
 * server module because the server protocols do.
 */
class WireSerializerTest {

    private static ActorTestKit kit;
    private static Serialization serialization;
    private static WireSerializer serializer;
    private static ActorRef<Object> ref;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("wire", ConfigFactory.parseString("""
                pekko.actor.provider = remote
                pekko.remote.artery.transport = tcp
                pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
                """).withFallback(ConfigFactory.load()));
        serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
        serializer = (WireSerializer) serialization.serializerByIdentity().apply(WireSerializer.IDENTIFIER);
        ref = kit.spawn(Behaviors.ignore(), "edge");
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void knowsEveryRecordOfTheProtocolsAndNothingLocal() {
        Map<String, Class<?>> types = new TreeMap<>(serializer.messageTypes());
        List<Class<?>> protocols = WireSerializer.protocols(kit.system().settings().config(), getClass().getClassLoader());
        assertEquals(List.of(ExpansionReplica.class, AgingReplica.class, Lineage.class, ReplicaSync.class, SiblingActor.class,
                NodeStatus.class, WriterSlots.class, RelayCommand.class, EdgeCommand.class), protocols, "the actors list, then runtime's");
        int expected = 0;
        for (Class<?> protocol : protocols) {
            for (Class<?> type : protocol.getDeclaredClasses()) {
                if (!type.isRecord()) { // the protocol's Command interface, local timer and stop messages
                    assertFalse(Wire.class.isAssignableFrom(type), type + " is local: it never crosses processes");
                    continue;
                }
                assertTrue(Wire.class.isAssignableFrom(type), type + " is a Wire record");
                assertEquals(type, types.get(protocol.getSimpleName() + "." + type.getSimpleName()));
                expected++;
            }
        }
        assertEquals(expected, types.size(), types.keySet().toString());
    }

    @Test
    void everyEdgeMessageIsEitherAReplyOrAnEvent() {
        for (Class<?> type : EdgeCommand.class.getDeclaredClasses()) {
            if (type.isRecord() && EdgeCommand.class.isAssignableFrom(type)) { // not a part of one (IndexEntry)
                assertTrue(EdgeCommand.Reply.class.isAssignableFrom(type) ^ EdgeCommand.Event.class.isAssignableFrom(type),
                        type + " is exactly one of Reply and Event");
            }
        }
    }

    @Test
    void everyMessageRoundTripsByBothPaths() throws Exception {
        Random random = new Random(7);
        for (Class<?> type : serializer.messageTypes().values()) {
            Object full = sample(type, random, false);
            Object nulls = sample(type, random, true);
            for (Object message : List.of(full, nulls)) {
                Serializer picked = serialization.findSerializerFor(message);
                assertInstanceOf(WireSerializer.class, picked, type.getName());
                String manifest = serializer.manifest(message);

                byte[] bytes = serializer.toBinary(message);
                assertSameMessage(message, serializer.fromBinary(bytes, manifest), type.getSimpleName());

                ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 64).order(ByteOrder.LITTLE_ENDIAN);
                buffer.position(17);
                serializer.toBinary(message, buffer);
                assertEquals(17 + bytes.length, buffer.position(), "same bytes by both paths: " + type.getSimpleName());
                assertEquals(ByteOrder.LITTLE_ENDIAN, buffer.order(), "Artery's buffer keeps its byte order");
                buffer.flip().position(17);
                assertSameMessage(message, serializer.fromBinary(buffer, manifest), type.getSimpleName());
                assertEquals(ByteOrder.LITTLE_ENDIAN, buffer.order());
            }
        }
    }

    @Test
    void aLookupAnswerIsItsFieldsAndNothingElse() {
        byte[] value = new byte[384];
        String key = "0123456789abcdef0123456789abcdef";
        EdgeCommand.Found found = new EdgeCommand.Found(1, key, value, 2, 3, 4, Tier.L2);
        // requestId, key (length + 32), value (length + 384), version, expiry, ttl, tier
        assertEquals(8 + 4 + 32 + 4 + 384 + 8 + 8 + 8 + 1, serializer.toBinary(found).length);
        assertEquals("EdgeCommand.Found", serializer.manifest(found));
    }

    @Test
    void refusesAnUnknownTypeByName() {
        NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(new byte[8], "java.lang.ProcessBuilder"));
        assertTrue(e.getMessage().contains("unknown global-sessions message type 'java.lang.ProcessBuilder'"), e.getMessage());
        IllegalArgumentException notOurs = assertThrows(IllegalArgumentException.class, () -> serializer.toBinary("text"));
        assertTrue(notOurs.getMessage().contains("not a global-sessions message: java.lang.String"), notOurs.getMessage());
    }

    @Test
    void knowsOnlyTheProtocolsItsConfigurationNames() throws Exception {
        ActorTestKit edgeOnly = ActorTestKit.create("edge-wire", ConfigFactory.parseString(
                "global-sessions.wire.protocols.actors = []").withFallback(ConfigFactory.load()));
        try {
            WireSerializer edgeSerializer = (WireSerializer) SerializationExtension.get(Adapter.toClassic(edgeOnly.system()))
                    .serializerByIdentity().apply(WireSerializer.IDENTIFIER);
            assertTrue(edgeSerializer.messageTypes().containsKey("RelayCommand.Get"));
            assertTrue(edgeSerializer.messageTypes().keySet().stream().noneMatch(m -> m.startsWith("ExpansionReplica.")),
                    edgeSerializer.messageTypes().keySet().toString());
            ExpansionReplica.Touch touch = new ExpansionReplica.Touch("session");
            byte[] bytes = serializer.toBinary(touch);
            assertEquals(touch, serializer.fromBinary(bytes, "ExpansionReplica.Touch"));
            NotSerializableException refused = assertThrows(NotSerializableException.class,
                    () -> edgeSerializer.fromBinary(bytes, "ExpansionReplica.Touch"));
            assertTrue(refused.getMessage().contains("unknown global-sessions message type 'ExpansionReplica.Touch'"),
                    refused.getMessage());
            assertThrows(IllegalArgumentException.class, () -> edgeSerializer.toBinary(touch));
        } finally {
            edgeOnly.shutdownTestKit();
        }
    }

    @Test
    void aProtocolListNamingAMissingClassFailsNamingIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> WireSerializer.protocols(
                ConfigFactory.parseString("global-sessions.wire.protocols.extra = [\"org.example.NoSuchProtocol\"]"),
                getClass().getClassLoader()));
        assertEquals("global-sessions.wire.protocols.extra names org.example.NoSuchProtocol, which is not on the classpath",
                e.getMessage());
    }

    @Test
    void refusesEveryTruncatedOrPaddedPayload() throws Exception {
        Random random = new Random(11);
        for (Class<?> type : serializer.messageTypes().values()) {
            Object message = sample(type, random, false);
            String manifest = serializer.manifest(message);
            byte[] bytes = serializer.toBinary(message);
            for (int cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length / 40)) {
                byte[] truncated = Arrays.copyOf(bytes, cut);
                NotSerializableException e = assertThrows(NotSerializableException.class,
                        () -> serializer.fromBinary(truncated, manifest), manifest + " cut at " + cut);
                assertTrue(e.getMessage().startsWith("malformed " + manifest + ": "), e.getMessage());
            }
            byte[] padded = Arrays.copyOf(bytes, bytes.length + 1);
            NotSerializableException e = assertThrows(NotSerializableException.class, () -> serializer.fromBinary(padded, manifest));
            assertTrue(e.getMessage().contains("1 bytes left over"), e.getMessage());
        }
    }

    @Test
    void refusesCorruptLengthsAndOrdinalsWithoutAllocatingThem() {
        EdgeCommand.Found found = new EdgeCommand.Found(1, "k", new byte[3], 2, 3, 4, Tier.AGING);
        byte[] bytes = serializer.toBinary(found);
        ByteBuffer.wrap(bytes).putInt(8 + 4 + 1, Integer.MAX_VALUE); // the value's length
        NotSerializableException huge = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(bytes, "EdgeCommand.Found"));
        assertTrue(huge.getMessage().contains("length 2147483647 with"), huge.getMessage());

        byte[] badTier = serializer.toBinary(found);
        badTier[badTier.length - 1] = 9;
        NotSerializableException tier = assertThrows(NotSerializableException.class,
                () -> serializer.fromBinary(badTier, "EdgeCommand.Found"));
        assertTrue(tier.getMessage().contains("Tier ordinal 9"), tier.getMessage());

        byte[] badBoolean = serializer.toBinary(new EdgeCommand.PutRefused(1, "k", 2, true));
        badBoolean[badBoolean.length - 1] = 2;
        assertThrows(NotSerializableException.class, () -> serializer.fromBinary(badBoolean, "EdgeCommand.PutRefused"));
    }

    @Test
    void aLargeMessageGrowsItsArray() throws Exception {
        List<ReplicaSync.SyncEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            entries.add(new ReplicaSync.SyncEntry("key-" + i, new byte[384], i, 60_000, 0));
        }
        ReplicaSync.SyncChunk chunk = new ReplicaSync.SyncChunk(entries, 5, 0, 1);
        byte[] bytes = serializer.toBinary(chunk);
        assertTrue(bytes.length > 200 * 384, "" + bytes.length);
        assertSameMessage(chunk, serializer.fromBinary(bytes, "ReplicaSync.SyncChunk"), "SyncChunk");
    }

    /**
     * The array form writes into a buffer its thread keeps: each message gets exactly its own
     * bytes, after a larger one, after one too large to keep, and on other threads at once.
     */
    @Test
    void eachMessageGetsExactlyItsBytesWhateverTheThreadWroteBefore() throws Exception {
        EdgeCommand.Found found = new EdgeCommand.Found(1, "0123456789abcdef0123456789abcdef", new byte[384], 2, 3, 4, Tier.L2);
        byte[] alone = serializer.toBinary(found);
        for (int entries : new int[] {200, 1_000}) { // 77 KB, kept; 385 KB, over SCRATCH_KEPT
            List<ReplicaSync.SyncEntry> list = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                list.add(new ReplicaSync.SyncEntry("key-" + i, new byte[384], i, 60_000, 0));
            }
            ReplicaSync.SyncChunk chunk = new ReplicaSync.SyncChunk(list, 5, 0, 1);
            assertSameMessage(chunk, serializer.fromBinary(serializer.toBinary(chunk), "ReplicaSync.SyncChunk"), "SyncChunk");
            assertArrayEquals(alone, serializer.toBinary(found), "after " + entries + " entries");
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < 2_000; i++) {
                        byte[] value = new byte[(seed * 2_000 + i) % 20_000]; // across the first size, both ways
                        Arrays.fill(value, (byte) seed);
                        EdgeCommand.Found f = new EdgeCommand.Found(i, "k" + seed, value, i, 3, 4, Tier.L2);
                        assertSameMessage(f, serializer.fromBinary(serializer.toBinary(f), "EdgeCommand.Found"), "Found");
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
    }

    // ---- samples and comparison ------------------------------------------------------------

    /** A message of {@code type} with every component set (or, with {@code nulls}, every reference component null). */
    private static Object sample(Class<?> type, Random random, boolean nulls) throws Exception {
        RecordComponent[] components = type.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = value(components[i].getType(), components[i].getGenericType(), random, nulls);
        }
        return type.getDeclaredConstructor(types).newInstance(values);
    }

    private static Object value(Class<?> type, Type generic, Random random, boolean nulls) throws Exception {
        if (type == long.class || type == Long.class) {
            return random.nextLong();
        } else if (type == int.class) {
            return random.nextInt();
        } else if (type == boolean.class) {
            return random.nextBoolean();
        } else if (nulls) {
            return null;
        } else if (type == String.class) {
            return "sess-" + random.nextInt(1000) + "-é€";
        } else if (type == byte[].class) {
            byte[] bytes = new byte[1 + random.nextInt(400)];
            random.nextBytes(bytes);
            return bytes;
        } else if (type == ActorRef.class) {
            return ref;
        } else if (type.isEnum()) {
            Object[] constants = type.getEnumConstants();
            return constants[constants.length - 1];
        } else if (type.isRecord()) {
            return sample(type, random, false);
        } else if (type == List.class) {
            Class<?> element = (Class<?>) ((ParameterizedType) generic).getActualTypeArguments()[0];
            if (!element.isRecord()) { // a list of plain values (NodeStatus.Member's roles)
                return List.of(value(element, element, random, false), value(element, element, random, false));
            }
            return List.of(sample(element, random, false), sample(element, random, true));
        }
        throw new AssertionError("no sample for " + generic);
    }

    private static void assertSameMessage(Object expected, Object actual, String where) throws Exception {
        if (expected == null) {
            assertNull(actual, where);
            return;
        }
        if (!(expected instanceof List<?>)) {
            assertEquals(expected.getClass(), actual.getClass(), where);
        }
        if (expected instanceof byte[] e) {
            assertArrayEquals(e, (byte[]) actual, where);
        } else if (expected instanceof List<?> e) {
            List<?> a = (List<?>) actual;
            assertEquals(e.size(), a.size(), where);
            for (int i = 0; i < e.size(); i++) {
                assertSameMessage(e.get(i), a.get(i), where + "[" + i + "]");
            }
        } else if (expected.getClass().isRecord()) {
            for (RecordComponent c : expected.getClass().getRecordComponents()) {
                assertSameMessage(c.getAccessor().invoke(expected), c.getAccessor().invoke(actual), where + "." + c.getName());
            }
        } else {
            assertEquals(expected, actual, where);
        }
    }

    @Test
    void textIsUtf8() throws Exception {
        RelayCommand.Touch touch = new RelayCommand.Touch("ключ-€");
        byte[] bytes = serializer.toBinary(touch);
        assertEquals("ключ-€".getBytes(StandardCharsets.UTF_8).length + 4, bytes.length);
        assertEquals(touch, serializer.fromBinary(bytes, "RelayCommand.Touch"));
    }
}
