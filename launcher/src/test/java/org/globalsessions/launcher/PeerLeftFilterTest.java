package org.globalsessions.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;

class PeerLeftFilterTest {

    private static LoggingEvent event(String logger, String message) {
        LoggerContext context = new LoggerContext();
        return new LoggingEvent(logger, context.getLogger(logger), Level.WARN, message, null, null);
    }

    @Test
    void dropsTheMaterializerLinesOfAPeerThatStoppedAndNothingElse() {
        PeerLeftFilter filter = new PeerLeftFilter();
        assertEquals(FilterReply.DENY, filter.decide(event(PeerLeftFilter.MATERIALIZER, "[outbound connection to "
                + "[pekko://global-sessions@127.0.0.1:35523], message stream] Upstream failed, cause: "
                + "Association$OutboundStreamStopQuarantinedSignal$: ")));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(PeerLeftFilter.MATERIALIZER, "[outbound connection to "
                + "[pekko://global-sessions@127.0.0.1:38109], message stream] Upstream failed, cause: StreamTcpException: "
                + "Tcp command [Connect(...)] failed")), "a connection that fails is still reported");
        assertEquals(FilterReply.NEUTRAL, filter.decide(event("org.globalsessions.actors.relay.RelayActor",
                "relay: OutboundStreamStopQuarantinedSignal")), "only the materializer's lines");
    }
}
