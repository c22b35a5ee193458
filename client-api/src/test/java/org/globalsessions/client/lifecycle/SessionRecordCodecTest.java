package org.globalsessions.client.lifecycle;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SessionRecordCodecTest {

    private static final Instant CREATED = Instant.parse("2026-12-06T10:00:00.123Z");

    private static SessionRecord sample() {
        Map<String, byte[]> attributes = new LinkedHashMap<>();
        attributes.put("SPRING_SECURITY_CONTEXT", new byte[] {1, 2, 3});
        attributes.put("cart ü", new byte[0]);
        return new SessionRecord(CREATED, CREATED.plusSeconds(90), Duration.ofMinutes(30), Duration.ofHours(8), attributes);
    }

    @Test
    void recordRoundTripsWithEveryFieldAndAttribute() {
        SessionRecord record = sample();
        SessionRecord decoded = SessionRecordCodec.decode(SessionRecordCodec.encode(record));
        assertEquals(record, decoded);
        assertArrayEquals(new byte[] {1, 2, 3}, decoded.attributes().get("SPRING_SECURITY_CONTEXT"));
        assertEquals(Instant.parse("2026-12-06T10:01:30.123Z"), decoded.lastAccessedAt());
    }

    @Test
    void headerLayoutIsMagicVersionThenFields() {
        byte[] bytes = SessionRecordCodec.encode(SessionRecord.create(CREATED, Duration.ofSeconds(1), Duration.ofSeconds(2)));
        assertEquals(SessionRecordCodec.HEADER_LENGTH, bytes.length);
        assertEquals("GSR", new String(bytes, 0, 3, StandardCharsets.US_ASCII));
        ByteBuffer in = ByteBuffer.wrap(bytes);
        assertEquals(1, in.get(SessionRecordCodec.VERSION_OFFSET));
        assertEquals(CREATED.toEpochMilli(), in.getLong(SessionRecordCodec.CREATED_OFFSET));
        assertEquals(1000, in.getLong(SessionRecordCodec.MAX_INACTIVE_OFFSET));
        assertEquals(2000, in.getLong(SessionRecordCodec.MAX_LIFETIME_OFFSET));
        assertEquals(0, in.getInt(SessionRecordCodec.COUNT_OFFSET));
    }

    @Test
    void badInputIsRefusedNamingWhatIsWrong() {
        byte[] good = SessionRecordCodec.encode(sample());
        assertRefused(new byte[10], "shorter than the 40-byte header");
        assertRefused("{\"user\":\"alice\",\"role\":\"admin\",\"x\":\"0123456789\"}".getBytes(StandardCharsets.UTF_8),
                "does not start with the magic");
        byte[] version = good.clone();
        version[3] = 7;
        assertRefused(version, "format version 7; this reader knows version 1");
        assertRefused(Arrays.copyOf(good, good.length - 1), "ends inside an attribute");
        assertRefused(Arrays.copyOf(good, SessionRecordCodec.HEADER_LENGTH + 2 + 23 + 4 + 2), "claims 3 bytes of value; 2 are left");
        assertRefused(Arrays.copyOf(good, good.length + 2), "2 bytes after its last attribute");
        byte[] count = good.clone();
        ByteBuffer.wrap(count).putInt(SessionRecordCodec.COUNT_OFFSET, -1);
        assertRefused(count, "claims 4294967295 attributes");
        byte[] interval = good.clone();
        ByteBuffer.wrap(interval).putLong(SessionRecordCodec.MAX_INACTIVE_OFFSET, 0);
        assertRefused(interval, "maxInactiveInterval=PT0S: must be positive");
        byte[] name = good.clone();
        name[SessionRecordCodec.HEADER_LENGTH + 2] = (byte) 0xC3; // a lead byte followed by ASCII: not UTF-8
        assertRefused(name, "not UTF-8");
    }

    @Test
    void repeatedAttributeNameIsRefused() {
        ByteBuffer out = ByteBuffer.allocate(SessionRecordCodec.HEADER_LENGTH + 2 * (2 + 1 + 4));
        out.put(SessionRecordCodec.encode(SessionRecord.create(CREATED, Duration.ofSeconds(1), Duration.ofSeconds(1))));
        out.putInt(SessionRecordCodec.COUNT_OFFSET, 2);
        out.putShort((short) 1).put((byte) 'a').putInt(0).putShort((short) 1).put((byte) 'a').putInt(0);
        assertRefused(out.array(), "attribute 1 at byte 47 has a repeated name");
    }

    @Test
    void recordRefusesEmptyNamesAndTimeGoingBackwards() {
        assertThrows(IllegalArgumentException.class, () -> sample().withAttributes(Map.of("", new byte[0])));
        var e = assertThrows(IllegalArgumentException.class, () -> new SessionRecord(CREATED, CREATED.minusMillis(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), Map.of()));
        assertTrue(e.getMessage().contains("lastAccessedAt="), e.getMessage());
    }

    @Test
    void expiresAtIsTheEarlierOfIdleAndLifetimeEnds() {
        SessionRecord r = SessionRecord.create(CREATED, Duration.ofMinutes(30), Duration.ofHours(1));
        assertEquals(CREATED.plus(Duration.ofMinutes(30)), r.expiresAt());
        SessionRecord used = r.accessedAt(CREATED.plus(Duration.ofMinutes(50)));
        assertEquals(CREATED.plus(Duration.ofHours(1)), used.expiresAt());
        assertTrue(used.isExpired(CREATED.plus(Duration.ofHours(1))));
        assertFalse(used.isExpired(CREATED.plus(Duration.ofMinutes(59))));
        assertSame(used, used.accessedAt(CREATED), "a use never moves lastAccessedAt back");
    }

    private static void assertRefused(byte[] bytes, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> SessionRecordCodec.decode(bytes));
        assertTrue(e.getMessage().startsWith("session record (" + bytes.length + " bytes) "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
