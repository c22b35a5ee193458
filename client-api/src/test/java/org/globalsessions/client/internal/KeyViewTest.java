package org.globalsessions.client.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class KeyViewTest {

    /** What the view must agree with: every character from '!' to '~'. */
    private static boolean printable(String key) {
        return key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
    }

    @Test
    void stringsCanBeViewedWhereTheTestsRun() {
        // java.base/java.lang is open to the tests (the Chronicle flags): the view, not the encoder, is what is tested here
        assertArrayEquals("session-id".getBytes(StandardCharsets.US_ASCII), KeyView.printableAscii("session-id", 32));
    }

    @Test
    void aPrintableAsciiKeyIsItsOwnUtf8BytesAndAnyOtherIsLeftToTheEncoder() {
        SplittableRandom random = new SplittableRandom(20261207);
        char[] alphabet = " !~\t\u007f\u0080\u00e9\u00ffaZ09-_.\u0141\u4e2d".toCharArray();
        for (int round = 0; round < 200_000; round++) {
            int length = 1 + random.nextInt(40);
            StringBuilder key = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                // mostly session-id characters, now and then one that is not printable ASCII, at any position
                key.append(random.nextInt(8) == 0 ? alphabet[random.nextInt(alphabet.length)] : (char) (0x21 + random.nextInt(0x5e)));
            }
            String k = key.toString();
            byte[] view = KeyView.printableAscii(k, 32);
            if (printable(k) && k.length() <= 32) {
                assertArrayEquals(k.getBytes(StandardCharsets.UTF_8), view, k);
            } else {
                assertNull(view, k);
            }
        }
    }

    @Test
    void anEmptyOrTooLongKeyIsLeftToTheChecks() {
        assertNull(KeyView.printableAscii("", 32), "empty: the caller's check names it");
        assertNull(KeyView.printableAscii("a".repeat(33), 32));
        assertArrayEquals("a".repeat(32).getBytes(StandardCharsets.US_ASCII), KeyView.printableAscii("a".repeat(32), 32));
    }

    @Test
    void everyByteValueAtEveryPositionOfAWordIsJudged() {
        for (int position = 0; position < 19; position++) {
            for (int value = 0; value < 256; value++) {
                byte[] bytes = "abcdefghijklmnopqrs".getBytes(StandardCharsets.US_ASCII);
                bytes[position] = (byte) value;
                assertEquals(value >= 0x21 && value <= 0x7e, KeyView.printableAscii(bytes), "byte 0x" + Integer.toHexString(value) + " at " + position);
            }
        }
    }
}
