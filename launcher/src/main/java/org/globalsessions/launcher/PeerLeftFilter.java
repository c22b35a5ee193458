package org.globalsessions.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;

/**
 * Drops the WARN lines Pekko's stream materializer logs for a peer that stopped: "[outbound
 * connection to [...], message stream] Upstream failed, cause: ...OutboundStreamStopQuarantinedSignal",
 * the same for the control stream, and "... Upstream failed, cause: StreamTcpException: The
 * connection closed with error: Connection reset" (or "... has been aborted") when the peer's
 * process was gone before the node quarantined its association (a heartbeat or an acknowledgement
 * written in that second meets a closed socket). A node logged them for every application and
 * every {@code get}/{@code set}/{@code del} that closed its session cache, so a healthy node's log
 * filled with warnings nobody can act on. A peer that fails is still reported: a member by the
 * failure detector ("Marking node as UNREACHABLE"), and a peer the node cannot reach by the
 * failed connect ("Tcp command [Connect(...)] failed"), which this filter keeps. Thread-safe: no
 * state.
 */
public final class PeerLeftFilter extends Filter<ILoggingEvent> {

    static final String MATERIALIZER = "org.apache.pekko.stream.Materializer";
    static final String OUTBOUND = "[outbound connection to [";
    /** Causes that say an established connection ended because the peer left. */
    static final List<String> PEER_LEFT = List.of("OutboundStreamStopQuarantinedSignal",
            "StreamTcpException: The connection closed with error", "StreamTcpException: The connection has been aborted");

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (!MATERIALIZER.equals(event.getLoggerName())) {
            return FilterReply.NEUTRAL;
        }
        String message = event.getFormattedMessage();
        return message.startsWith(OUTBOUND) && PEER_LEFT.stream().anyMatch(message::contains)
                ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
