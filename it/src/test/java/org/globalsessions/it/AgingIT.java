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
 * forgets after 10 s; the main suite's aging TTL is long, so that nothing it writes expires
 * while it checks for losses.
 */
class AgingIT {

    private static final Logger log = LoggerFactory.getLogger(AgingIT.class);

    @RegisterExtension
    static final Topology topology = new Topology(List.of("r1", "e1", "a1"), "30s");

    @Test
    void anEntryEvictedFromExpansionIsFoundInAgingAndExpiresAfterTheAgingTtl() {
        Processes.Client writer = topology.client("w4", "W4", true, topology.relays());
        assertTrue(writer.ask("set p4-read found-me").startsWith("ok "));
        assertTrue(writer.ask("set p4-idle forget-me").startsWith("ok "));
        // Expansion holds 16 x 60 per copy: both are pushed into aging, where the 30 s TTL starts
        // (long enough for the rest of the fill on a slow machine; 10 s was not, once in five runs).
        String fill = writer.ask("fill p4x 0 2500 100");
        assertEquals(2500, field(fill, "acked"), fill);
        Processes.Client reader = topology.client("c4", "C4", true, topology.relays());
        assertEquals("found aging found-me", reader.ask("get p4-read"));
        long start = System.nanoTime();
        // p4-idle was never read, so nothing brought it back from the aging tier: it expires there.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> reader.ask("get p4-idle").equals("none"));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        log.info("scenario 4: an aged-out session found in aging; an untouched one expired from the aging tier {} s after "
                + "the check began (aging TTL 30 s)", seconds);
        assertTrue(seconds <= 35, "it expires within the aging TTL (plus a little)");
        reader.close();
        writer.close();
    }
}
