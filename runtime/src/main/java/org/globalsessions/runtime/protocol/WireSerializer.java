package org.globalsessions.runtime.protocol;

import java.io.NotSerializableException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The serializer of every message that crosses a process ({@link Wire}): a compact binary
 * form written straight into Artery's send buffer and read straight from its receive buffer,
 * with no intermediate byte array, no field names and no reflection-driven object mapping at
 * run time.
 *
 * <h2>Format</h2>
 * The manifest names the message ({@code RelayCommand.Get}); the payload is the record's
 * components in declaration order, big-endian: {@code long} 8 bytes, {@code int} 4,
 * {@code boolean} and enums 1 (ordinal); a {@code String} (UTF-8), {@code byte[]} and
 * {@code ActorRef} (its serialization format, with address) as a 4-byte length, {@code -1} for
 * null, then the bytes; a nested message as a presence byte then its components; a
 * {@code List} of messages or of {@code Long}s as a 4-byte count then each element. Both ends must run the same
 * protocol version (the record declarations are the schema).
 *
 * <p>An actor ref is written in Pekko's serialization format (path, address and uid). The
 * serializer keeps the refs it wrote and read lately with their formats ({@link RefCache}), so
 * the few long-lived actors nearly every message names are not formatted and parsed again.
 *
 * <h2>What is accepted</h2>
 * Only the records nested in the protocols the configuration names are known
 * ({@code global-sessions.wire.protocols}: an object whose values are lists of class names, so
 * that each module's {@code reference.conf} adds its own under a key of its own; runtime lists
 * {@link RelayCommand} and {@link EdgeCommand}, the server module its roles' protocols). The
 * registry is built once per serializer from its actor system's configuration. A manifest naming
 * anything else is refused by name, and no class is ever loaded by a name taken from the wire. Every length, count and ordinal read is
 * checked against what the buffer holds, so a truncated or corrupt payload is refused with
 * {@link NotSerializableException} (Pekko logs it and drops the message) instead of allocating
 * or reading past it.
 */
public final class WireSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {

    /** The first size of a thread's scratch buffer for {@link #toBinary(Object)}: a session of a few KB fits. */
    static final int SCRATCH_FIRST = 8 * 1024;
    /** The largest scratch buffer a thread keeps; a larger message allocates its own each time. */
    static final int SCRATCH_KEPT = 256 * 1024;
    /** Each thread's scratch buffer (a one-slot array, emptied while in use). */
    private static final ThreadLocal<ByteBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

    /** Pekko's serializer id of this format (ids 0 to 40 are Pekko's own). */
    public static final int IDENTIFIER = 0x67730001;

    /** The configuration object whose values list the protocol classes whose nested records cross processes. */
    public static final String PROTOCOLS = "global-sessions.wire.protocols";

    private final ExtendedActorSystem system;
    private final Registry registry;
    private volatile ActorRefResolver resolver;
    /** The refs this serializer wrote and read lately, with their formats: Pekko's are built and parsed per message. */
    private final RefCache refs = new RefCache();

    public WireSerializer(ExtendedActorSystem system) {
        this.system = system;
        this.registry = Registry.of(protocols(system.settings().config(), system.dynamicAccess().classLoader()));
    }

    /** The message types this serializer knows, by manifest. */
    public Map<String, Class<?>> messageTypes() {
        Map<String, Class<?>> types = new HashMap<>();
        registry.byManifest.forEach((manifest, codec) -> types.put(manifest, codec.type));
        return Collections.unmodifiableMap(types);
    }

    /**
     * The protocol classes {@code config} names under {@link #PROTOCOLS}, in the order of their
     * keys and then of each list, loaded with {@code loader}.
     *
     * @throws IllegalStateException naming the key and the class if a class cannot be loaded
     */
    public static List<Class<?>> protocols(Config config, ClassLoader loader) {
        if (!config.hasPath(PROTOCOLS)) {
            throw new IllegalStateException(PROTOCOLS + " is not set: no protocol would cross processes "
                    + "(is global-sessions-runtime's reference.conf on the classpath?)");
        }
        Config byModule = config.getConfig(PROTOCOLS);
        List<Class<?>> protocols = new ArrayList<>();
        for (String key : new TreeSet<>(byModule.root().keySet())) {
            for (String name : byModule.getStringList(ConfigUtil.joinPath(key))) {
                try {
                    protocols.add(Class.forName(name, false, loader));
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(PROTOCOLS + "." + key + " names " + name + ", which is not on the classpath", e);
                }
            }
        }
        return protocols;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
        return codecFor(message).manifest;
    }

    /**
     * The array form, which Pekko uses where it wraps our message in its own (a sharding envelope):
     * the message is written into this thread's scratch buffer and its exact bytes copied out. A
     * message that does not fit doubles the buffer, which the thread keeps up to
     * {@link #SCRATCH_KEPT} bytes: the overflow, an exception with its stack trace, is paid once
     * per thread, not by every session larger than a first guess.
     */
    @Override
    public byte[] toBinary(Object message) {
        RecordCodec codec = codecFor(message);
        ByteBuffer[] slot = SCRATCH.get();
        ByteBuffer buffer = slot[0] == null ? ByteBuffer.allocate(SCRATCH_FIRST) : slot[0];
        slot[0] = null; // the buffer is this call's until it returns
        try {
            while (true) {
                buffer.clear();
                try {
                    codec.write(message, buffer, this);
                } catch (BufferOverflowException e) {
                    buffer = ByteBuffer.allocate(buffer.capacity() * 2);
                    continue;
                }
                byte[] bytes = new byte[buffer.position()];
                buffer.flip().get(bytes);
                return bytes;
            }
        } finally {
            if (buffer.capacity() <= SCRATCH_KEPT) {
                slot[0] = buffer;
            }
        }
    }

    @Override
    public void toBinary(Object message, ByteBuffer buffer) {
        RecordCodec codec = codecFor(message);
        ByteOrder order = buffer.order();
        buffer.order(ByteOrder.BIG_ENDIAN);
        try {
            codec.write(message, buffer, this);
        } finally {
            buffer.order(order);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        return fromBinary(ByteBuffer.wrap(bytes), manifest);
    }

    @Override
    public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
        RecordCodec codec = registry.byManifest.get(manifest);
        if (codec == null) {
            throw new NotSerializableException("unknown global-sessions message type '" + manifest
                    + "' (a node of another version, or not a global-sessions peer); message dropped");
        }
        ByteOrder order = buffer.order();
        buffer.order(ByteOrder.BIG_ENDIAN);
        try {
            Object message = codec.read(buffer, this);
            if (buffer.hasRemaining()) {
                throw new Malformed(buffer.remaining() + " bytes left over");
            }
            return message;
        } catch (Malformed | BufferUnderflowException e) {
            throw new NotSerializableException("malformed " + manifest + ": " + (e instanceof Malformed ? e.getMessage()
                    : "truncated") + "; message dropped");
        } finally {
            buffer.order(order);
        }
    }

    private RecordCodec codecFor(Object message) {
        RecordCodec codec = registry.byClass.get(message.getClass());
        if (codec == null) {
            throw new IllegalArgumentException("not a global-sessions message: " + message.getClass().getName()
                    + " (only records nested in the protocol interfaces cross processes)");
        }
        return codec;
    }

    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }

    // ---- codecs ---------------------------------------------------------------------------------

    /** A payload that does not describe a message of its manifest. */
    private static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Writes and reads one kind of component. */
    private interface FieldCodec {
        void write(Object value, ByteBuffer out, WireSerializer s);

        Object read(ByteBuffer in, WireSerializer s);
    }

    private static final int NULL = -1;

    /** The codec of every known message type, by class and by manifest. */
    private static final class Registry {
        final Map<Class<?>, RecordCodec> byClass = new HashMap<>();
        final Map<String, RecordCodec> byManifest = new HashMap<>();

        /** The records nested in each of {@code protocols} (and the records their components name). */
        static Registry of(List<Class<?>> protocols) {
            Registry registry = new Registry();
            for (Class<?> protocol : protocols) {
                int records = 0;
                for (Class<?> type : protocol.getDeclaredClasses()) {
                    if (type.isRecord() && Wire.class.isAssignableFrom(type)) {
                        registry.codecOf(type);
                        records++;
                    }
                }
                if (records == 0) {
                    throw new IllegalStateException(PROTOCOLS + " names " + protocol.getName()
                            + ", which declares no Wire record: not a protocol");
                }
            }
            return registry;
        }

        RecordCodec codecOf(Class<?> type) {
            RecordCodec known = byClass.get(type);
            if (known != null) {
                return known;
            }
            String manifest = manifestOf(type);
            RecordCodec other = byManifest.get(manifest);
            if (other != null) {
                throw new IllegalStateException("two message types have the manifest " + manifest + ": " + other.type.getName()
                        + " and " + type.getName() + " (rename one: the manifest is the enclosing and the record's simple name)");
            }
            RecordCodec codec = new RecordCodec(type, manifest);
            byClass.put(type, codec);
            byManifest.put(manifest, codec);
            codec.init(this);
            return codec;
        }
    }

    /** The components of one record type, in declaration order, and its canonical constructor. */
    private static final class RecordCodec implements FieldCodec {
        final Class<?> type;
        final String manifest;
        private MethodHandle[] accessors;
        private FieldCodec[] fields;
        private MethodHandle constructor;

        RecordCodec(Class<?> type, String manifest) {
            this.type = type;
            this.manifest = manifest;
        }

        void init(Registry registry) {
            RecordComponent[] components = type.getRecordComponents();
            accessors = new MethodHandle[components.length];
            fields = new FieldCodec[components.length];
            Class<?>[] parameterTypes = new Class<?>[components.length];
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            try {
                for (int i = 0; i < components.length; i++) {
                    accessors[i] = lookup.unreflect(components[i].getAccessor())
                            .asType(MethodType.methodType(Object.class, Object.class));
                    fields[i] = fieldCodec(components[i].getType(), components[i].getGenericType(),
                            type.getSimpleName() + "." + components[i].getName(), registry);
                    parameterTypes[i] = components[i].getType();
                }
                constructor = lookup.findConstructor(type, MethodType.methodType(void.class, parameterTypes))
                        .asSpreader(Object[].class, components.length)
                        .asType(MethodType.methodType(Object.class, Object[].class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot serialize " + type.getName() + ": " + e, e);
            }
        }

        @Override
        public void write(Object message, ByteBuffer out, WireSerializer s) {
            try {
                for (int i = 0; i < fields.length; i++) {
                    fields[i].write(accessors[i].invokeExact(message), out, s);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object read(ByteBuffer in, WireSerializer s) {
            Object[] values = new Object[fields.length];
            for (int i = 0; i < fields.length; i++) {
                values[i] = fields[i].read(in, s);
            }
            try {
                return constructor.invokeExact(values);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new Malformed("refused by " + type.getSimpleName() + ": " + e.getMessage());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static FieldCodec fieldCodec(Class<?> type, Type generic, String where, Registry registry) {
        if (type == long.class) {
            return LONG;
        } else if (type == int.class) {
            return INT;
        } else if (type == boolean.class) {
            return BOOLEAN;
        } else if (type == String.class) {
            return STRING;
        } else if (type == byte[].class) {
            return BYTES;
        } else if (type == ActorRef.class) {
            return ACTOR_REF;
        } else if (type.isEnum()) {
            return enumCodec(type);
        } else if (type.isRecord() && Wire.class.isAssignableFrom(type)) {
            return nullable(registry.codecOf(type));
        } else if (type == List.class && generic instanceof ParameterizedType p
                && p.getActualTypeArguments()[0] instanceof Class<?> element) {
            return listOf(element == Long.class ? LONG : fieldCodec(element, element, where + "[]", registry));
        }
        throw new IllegalStateException("the wire format has no encoding for " + where + " of type " + generic.getTypeName());
    }

    private static String manifestOf(Class<?> type) {
        Class<?> outer = type.getEnclosingClass();
        return outer == null ? type.getSimpleName() : outer.getSimpleName() + "." + type.getSimpleName();
    }

    private static int length(ByteBuffer in) {
        int n = in.getInt();
        if (n < NULL || n > in.remaining()) {
            throw new Malformed("length " + n + " with " + in.remaining() + " bytes left");
        }
        return n;
    }

    private static void writeBytes(byte[] bytes, ByteBuffer out) {
        if (bytes == null) {
            out.putInt(NULL);
        } else {
            out.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] readBytes(ByteBuffer in) {
        int n = length(in);
        if (n == NULL) {
            return null;
        }
        byte[] bytes = new byte[n];
        in.get(bytes);
        return bytes;
    }

    /** A codec of a component that needs nothing but the buffer. */
    private static FieldCodec plain(BiConsumer<Object, ByteBuffer> write, Function<ByteBuffer, Object> read) {
        return new FieldCodec() {
            @Override
            public void write(Object value, ByteBuffer out, WireSerializer s) {
                write.accept(value, out);
            }

            @Override
            public Object read(ByteBuffer in, WireSerializer s) {
                return read.apply(in);
            }
        };
    }

    private static final FieldCodec LONG = plain((value, out) -> out.putLong((Long) value), ByteBuffer::getLong);

    private static final FieldCodec INT = plain((value, out) -> out.putInt((Integer) value), ByteBuffer::getInt);

    private static final FieldCodec BOOLEAN = plain((value, out) -> out.put((Boolean) value ? (byte) 1 : (byte) 0), in -> {
        byte b = in.get();
        if (b != 0 && b != 1) {
            throw new Malformed("boolean " + b);
        }
        return b == 1;
    });

    private static final FieldCodec BYTES = plain((value, out) -> writeBytes((byte[]) value, out), WireSerializer::readBytes);

    private static final FieldCodec STRING = plain(
            (value, out) -> writeBytes(value == null ? null : ((String) value).getBytes(StandardCharsets.UTF_8), out), in -> {
                byte[] bytes = readBytes(in);
                return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
            });

    private static final FieldCodec ACTOR_REF = new FieldCodec() {
        @Override
        public void write(Object value, ByteBuffer out, WireSerializer s) {
            writeBytes(value == null ? null : s.refs.format((ActorRef<?>) value,
                    ref -> s.resolver().toSerializationFormat(ref).getBytes(StandardCharsets.UTF_8)), out);
        }

        @Override
        public Object read(ByteBuffer in, WireSerializer s) {
            String path = (String) STRING.read(in, s);
            return path == null ? null : s.refs.ref(path, format -> s.resolver().resolveActorRef(format));
        }
    };

    private static FieldCodec enumCodec(Class<?> type) {
        Object[] constants = type.getEnumConstants();
        if (constants.length > Byte.MAX_VALUE) {
            throw new IllegalStateException("enum " + type.getName() + " has more constants than one byte holds");
        }
        return new FieldCodec() {
            @Override
            public void write(Object value, ByteBuffer out, WireSerializer s) {
                out.put(value == null ? (byte) NULL : (byte) ((Enum<?>) value).ordinal());
            }

            @Override
            public Object read(ByteBuffer in, WireSerializer s) {
                byte ordinal = in.get();
                if (ordinal == NULL) {
                    return null;
                }
                if (ordinal < 0 || ordinal >= constants.length) {
                    throw new Malformed(type.getSimpleName() + " ordinal " + ordinal);
                }
                return constants[ordinal];
            }
        };
    }

    private static FieldCodec nullable(FieldCodec codec) {
        return new FieldCodec() {
            @Override
            public void write(Object value, ByteBuffer out, WireSerializer s) {
                out.put(value == null ? (byte) 0 : (byte) 1);
                if (value != null) {
                    codec.write(value, out, s);
                }
            }

            @Override
            public Object read(ByteBuffer in, WireSerializer s) {
                return (Boolean) BOOLEAN.read(in, s) ? codec.read(in, s) : null;
            }
        };
    }

    private static FieldCodec listOf(FieldCodec element) {
        return new FieldCodec() {
            @Override
            public void write(Object value, ByteBuffer out, WireSerializer s) {
                List<?> list = (List<?>) value;
                out.putInt(list == null ? NULL : list.size());
                if (list != null) {
                    for (Object e : list) {
                        element.write(e, out, s);
                    }
                }
            }

            @Override
            public Object read(ByteBuffer in, WireSerializer s) {
                int n = length(in);
                if (n == NULL) {
                    return null;
                }
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(element.read(in, s));
                }
                return Collections.unmodifiableList(list);
            }
        };
    }
}
