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
        // The peer's process was gone before the association was quarantined (CI42, LauncherIT).
        assertEquals(FilterReply.DENY, filter.decide(event(PeerLeftFilter.MATERIALIZER, "[outbound connection to "
                + "[pekko://global-sessions@127.0.0.1:37263], control stream] Upstream failed, cause: StreamTcpException: "
                + "The connection closed with error: Connection reset")));
        assertEquals(FilterReply.DENY, filter.decide(event(PeerLeftFilter.MATERIALIZER, "[outbound connection to "
                + "[pekko://global-sessions@127.0.0.1:37263], message stream] Upstream failed, cause: StreamTcpException: "
                + "The connection has been aborted")));
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(PeerLeftFilter.MATERIALIZER, "[outbound connection to "
                + "[pekko://global-sessions@127.0.0.1:38109], message stream] Upstream failed, cause: StreamTcpException: "
                + "Tcp command [Connect(...)] failed")), "a peer the node cannot reach is still reported");
        assertEquals(FilterReply.NEUTRAL, filter.decide(event(PeerLeftFilter.MATERIALIZER, "[some other stream] Upstream "
                + "failed, cause: StreamTcpException: The connection closed with error: Connection reset")),
                "only Artery's outbound connections");
        assertEquals(FilterReply.NEUTRAL, filter.decide(event("org.globalsessions.actors.relay.RelayActor",
                "relay: OutboundStreamStopQuarantinedSignal")), "only the materializer's lines");
    }
}
