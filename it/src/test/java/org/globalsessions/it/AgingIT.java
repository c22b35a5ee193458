package org.globalsessions.it;

import static org.awaitility.Awaitility.await;
import static org.globalsessions.it.Processes.field;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario 4 in a topology of its own (relay r1, expansion e1, aging a1) whose aging tier
 * forgets after 30 s; the main suite's aging TTL is long, so that nothing it writes expires
 * while it checks for losses.
 */
class AgingIT {

    private static final Logger log = LoggerFactory.getLogger(AgingIT.class);

    /** The aging tier's TTL in this topology. */
    private static final Duration AGING_TTL = Duration.ofSeconds(30);

    @RegisterExtension
    static final Topology topology = new Topology(List.of("r1", "e1", "a1"), AGING_TTL.toSeconds() + "s");

    @Test
    void anEntryEvictedFromExpansionIsFoundInAgingAndExpiresAfterTheAgingTtl() {
        Processes.Client writer = topology.client("w4", "W4", true, topology.relays());
        Processes.Client reader = null;
        String idle = null;
        // An entry's aging TTL starts when the fill pushes it out of expansion: on a busy machine the
        // fill and a new reader may take longer than the TTL, and then the entry is rightly gone
        // before it is read. Only then it tries again with new keys (at most three rounds).
        for (int round = 1; reader == null; round++) {
            String read = "p4-read-" + round;
            idle = "p4-idle-" + round;
            long written = System.nanoTime();
            assertTrue(writer.ask("set " + read + " found-me").startsWith("ok "));
            assertTrue(writer.ask("set " + idle + " forget-me").startsWith("ok "));
            // Expansion holds 16 x 60 per copy: both are pushed into aging, where the TTL starts.
            String fill = writer.ask("fill p4x" + round + " 0 2500 100");
            assertEquals(2500, field(fill, "acked"), fill);
            Processes.Client candidate = topology.client("c4-" + round, "C4-" + round, true, topology.relays());
            String answer = candidate.ask("get " + read);
            Duration age = Duration.ofNanos(System.nanoTime() - written);
            if (answer.equals("found aging found-me")) {
                reader = candidate;
            } else {
                assertTrue(age.compareTo(AGING_TTL) >= 0 && round < 3, "an aged-out session is found in aging "
                        + age.toSeconds() + " s after it was written (aging TTL " + AGING_TTL.toSeconds() + " s): " + answer);
                log.warn("scenario 4 round {}: {} was read {} s after it was written, past the aging TTL; again with new keys",
                        round, read, age.toSeconds());
                candidate.close();
            }
        }
        Processes.Client idleReader = reader;
        String idleKey = idle;
        long start = System.nanoTime();
        // The idle key was never read, so nothing brought it back from the aging tier: it expires there.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> idleReader.ask("get " + idleKey).equals("none"));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        log.info("scenario 4: an aged-out session found in aging; an untouched one expired from the aging tier {} s after "
                + "the check began (aging TTL {} s)", seconds, AGING_TTL.toSeconds());
        assertTrue(seconds <= AGING_TTL.toSeconds() + 5, "it expires within the aging TTL (plus a little)");
        reader.close();
        writer.close();
    }
}
