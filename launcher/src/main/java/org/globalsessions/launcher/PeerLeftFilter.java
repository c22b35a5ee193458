package org.globalsessions.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops the two WARN lines Pekko's stream materializer logs for a peer that stopped: "[outbound
 * connection to [...], message stream] Upstream failed, cause: ...OutboundStreamStopQuarantinedSignal",
 * and the same for the control stream. A node logged them for every application and every
 * {@code get}/{@code set}/{@code del} that closed its session cache (their actor system leaves,
 * and the node quarantines its association), so a healthy node's log filled with warnings
 * nobody can act on. A peer that fails is still reported (the failure detector's unreachable
 * member, Artery's association errors). Thread-safe: no state.
 */
public final class PeerLeftFilter extends Filter<ILoggingEvent> {

    static final String MATERIALIZER = "org.apache.pekko.stream.Materializer";
    static final String SIGNAL = "OutboundStreamStopQuarantinedSignal";

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return MATERIALIZER.equals(event.getLoggerName()) && event.getFormattedMessage().contains(SIGNAL)
                ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
