package org.globalsessions.runtime.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The name a session goes by in logs and error messages. A session id is a bearer token: whoever
 * reads it can act as that user, so it never appears where logs and exception messages go (and
 * applications tend to log exception messages). Its tag stands in for it: {@code s-} and the first
 * 48 bits of the id's SHA-256 in hex, e.g. {@code s-3f9a0c41d27e}.
 *
 * <ul>
 *   <li>The same id has the same tag in every process and every release, so an operator can follow
 *       one session through the logs of applications and nodes, and an application can log the tag
 *       of an id it holds (this method) to match them.</li>
 *   <li>The tag does not give the id back: finding an id with a given tag means guessing ids, which a
 *       session id (128 random bits or more, as a bearer token must have) makes hopeless. An id that
 *       is easy to guess ("alice") is easy to guess from its tag too: that is the id's weakness.</li>
 *   <li>Two ids share a tag with probability 2<sup>-48</sup>: a tag names a session for a person
 *       reading logs, never for the code.</li>
 * </ul>
 * Thread-safe; no state.
 */
public final class SessionTag {

    private static final int BYTES = 6;

    private SessionTag() {
    }

    /** The tag of session id {@code key}. */
    public static String of(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "s-" + HexFormat.of().formatHex(digest, 0, BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
