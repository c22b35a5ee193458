package org.globalsessions.client.lifecycle;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored form of a {@link SessionRecord}, format version 1 (big-endian):
 * <pre>
 *   0                   3    4                  12                 20                 28                 36             40
 *   +-------------------+----+------------------+------------------+------------------+------------------+--------------+
 *   | magic 'G' 'S' 'R' | v1 | createdAt (ms)   | lastAccessedAt   | maxInactive (ms) | maxLifetime (ms) | attributes n |
 *   +-------------------+----+------------------+------------------+------------------+------------------+--------------+
 *   then n times:  name length (u16) | name (UTF-8) | value length (i32) | value bytes
 * </pre>
 * Times are epoch milliseconds, intervals milliseconds. A reader refuses any other magic or
 * version, a length that runs past the end, bytes left over, a repeated or malformed name: the
 * error names what was wrong (never the session id, which the codec does not see). A later format
 * takes a new version number; this reader keeps reading version 1.
 *
 * <p>Stateless and thread-safe.
 */
public final class SessionRecordCodec {

    /** "GSR": a global-sessions session record. */
    static final byte[] MAGIC = {'G', 'S', 'R'};
    public static final int FORMAT_VERSION = 1;
    static final int VERSION_OFFSET = MAGIC.length;
    static final int CREATED_OFFSET = VERSION_OFFSET + 1;
    static final int LAST_ACCESSED_OFFSET = CREATED_OFFSET + 8;
    static final int MAX_INACTIVE_OFFSET = LAST_ACCESSED_OFFSET + 8;
    static final int MAX_LIFETIME_OFFSET = MAX_INACTIVE_OFFSET + 8;
    static final int COUNT_OFFSET = MAX_LIFETIME_OFFSET + 8;
    static final int HEADER_LENGTH = COUNT_OFFSET + 4;
    /** The longest attribute name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 0xFFFF;

    private SessionRecordCodec() {
    }

    public static byte[] encode(SessionRecord record) {
        int length = HEADER_LENGTH;
        Map<byte[], byte[]> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : record.attributes().entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("attribute name of " + name.length + " bytes exceeds the maximum of "
                        + MAX_NAME_BYTES + ": " + e.getKey().substring(0, 40) + "…");
            }
            attributes.put(name, e.getValue());
            length += 2 + name.length + 4 + e.getValue().length;
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        out.put(MAGIC).put((byte) FORMAT_VERSION)
                .putLong(record.createdAt().toEpochMilli())
                .putLong(record.lastAccessedAt().toEpochMilli())
                .putLong(record.maxInactiveInterval().toMillis())
                .putLong(record.maxLifetime().toMillis())
                .putInt(attributes.size());
        attributes.forEach((name, value) -> out.putShort((short) name.length).put(name).putInt(value.length).put(value));
        return out.array();
    }

    /**
     * The record {@code bytes} hold.
     *
     * @throws IllegalArgumentException naming what is wrong, if they are not a session record of a format this reader knows
     */
    public static SessionRecord decode(byte[] bytes) {
        if (bytes.length < HEADER_LENGTH) {
            throw bad(bytes, "is " + bytes.length + " bytes, shorter than the " + HEADER_LENGTH + "-byte header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        for (byte m : MAGIC) {
            if (in.get() != m) {
                throw bad(bytes, "does not start with the magic \"GSR\": not a session record of the lifecycle layer");
            }
        }
        int version = in.get() & 0xFF;
        if (version != FORMAT_VERSION) {
            throw bad(bytes, "has format version " + version + "; this reader knows version " + FORMAT_VERSION);
        }
        long created = in.getLong();
        long lastAccessed = in.getLong();
        long maxInactive = in.getLong();
        long maxLifetime = in.getLong();
        int count = in.getInt();
        if (count < 0 || count > in.remaining() / 6) {
            throw bad(bytes, "claims " + Integer.toUnsignedString(count) + " attributes in " + in.remaining() + " bytes");
        }
        Map<String, byte[]> attributes = new LinkedHashMap<>();
        try {
            for (int i = 0; i < count; i++) {
                int at = in.position();
                byte[] name = new byte[in.getShort() & 0xFFFF];
                in.get(name);
                String decodedName = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name)).toString();
                int valueLength = in.getInt();
                if (valueLength < 0 || valueLength > in.remaining()) {
                    throw bad(bytes, "attribute " + i + " (" + decodedName + ") claims " + valueLength + " bytes of value; "
                            + in.remaining() + " are left");
                }
                byte[] value = new byte[valueLength];
                in.get(value);
                if (decodedName.isEmpty() || attributes.put(decodedName, value) != null) {
                    throw bad(bytes, "attribute " + i + " at byte " + at + " has " + (decodedName.isEmpty() ? "an empty" : "a repeated") + " name");
                }
            }
        } catch (BufferUnderflowException e) {
            throw bad(bytes, "ends inside an attribute");
        } catch (CharacterCodingException e) {
            throw bad(bytes, "has an attribute name that is not UTF-8");
        }
        if (in.hasRemaining()) {
            throw bad(bytes, "has " + in.remaining() + " bytes after its last attribute");
        }
        try {
            return new SessionRecord(Instant.ofEpochMilli(created), Instant.ofEpochMilli(lastAccessed),
                    Duration.ofMillis(maxInactive), Duration.ofMillis(maxLifetime), attributes);
        } catch (IllegalArgumentException e) {
            throw bad(bytes, "holds " + e.getMessage());
        }
    }

    private static IllegalArgumentException bad(byte[] bytes, String what) {
        return new IllegalArgumentException("session record (" + bytes.length + " bytes) " + what);
    }
}
