package org.globalsessions.client.internal;

import java.time.Duration;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import org.globalsessions.runtime.protocol.EdgeCommand;

/**
 * The edge's mailbox: the guardian of an edge's ActorSystem, the {@code replyTo} of every
 * request its {@link EdgeCache} sends, and the subscriber of its relays' invalidations and
 * arrivals. It keeps no state of its own: it hands each message to the cache (which writes L1
 * and completes futures), and on a timer it expires overdue requests and sends heartbeats.
 */
public final class EdgeCacheActor {

    private static final Duration TICK = Duration.ofMillis(50);

    private enum Tick implements EdgeCommand {
        INSTANCE
    }

    private EdgeCacheActor() {
    }

    static Behavior<EdgeCommand> create(EdgeCache cache, Duration heartbeatInterval) {
        long ticksPerHeartbeat = Math.max(1, heartbeatInterval.toMillis() / TICK.toMillis());
        return Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
            return Behaviors.setup(context -> {
                long[] ticks = {0};
                return Behaviors.receive(EdgeCommand.class)
                        .onMessage(EdgeCommand.Found.class, m -> handled(() -> cache.onFound(m)))
                        .onMessage(EdgeCommand.NotFound.class, m -> handled(() -> cache.onNotFound(m)))
                        .onMessage(EdgeCommand.Answers.class, m -> handled(() -> cache.onAnswers(m)))
                        .onMessage(EdgeCommand.PutAck.class, m -> handled(() -> cache.onPutAck(m)))
                        .onMessage(EdgeCommand.PutRefused.class, m -> handled(() -> cache.onPutRefused(m)))
                        .onMessage(EdgeCommand.DeleteAck.class, m -> handled(() -> cache.onDeleteAck(m)))
                        .onMessage(EdgeCommand.Failed.class, m -> handled(() -> cache.onFailed(m)))
                        .onMessage(EdgeCommand.Invalidate.class, m -> handled(() -> cache.onInvalidate(m, context.getSelf())))
                        .onMessage(EdgeCommand.Arrival.class, m -> handled(() -> cache.onArrival(m)))
                        .onMessage(EdgeCommand.Welcome.class, m -> handled(() -> cache.onWelcome(m)))
                        .onMessageEquals(Tick.INSTANCE, () -> {
                            cache.expireRequests();
                            if (++ticks[0] % ticksPerHeartbeat == 0) {
                                cache.heartbeat();
                            }
                            return Behaviors.same();
                        })
                        .build();
            });
        });
    }

    private static Behavior<EdgeCommand> handled(Runnable action) {
        action.run();
        return Behaviors.same();
    }
}
