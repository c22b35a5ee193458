package org.globalsessions.actors.relief;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * Copying a replica's state: sending it in numbered chunks ({@link #send}), and, on the side of
 * a replica that starts, asking its next replica for its state and tracking which chunks of the
 * answer arrived. If some were lost on the way (Artery drops messages when a connection's send
 * queue is full), the replica asks once more at the timeout. See {@code
 * docs/relief-replication.md}, "Copying on start".
 *
 * <p>Not thread-safe: owned by one replica's actor.
 */
final class ReplicaCopy {

    /** How long a starting replica waits for the whole of its next replica's state. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Entries per chunk: a few hundred sessions stay well below Artery's frame size. */
    static final int CHUNK = 200;

    private final RecipientRef<? super ReplicaSync.SyncRequest> next;
    private final ActorRef<ReplicaSync.SyncChunk> self;
    private final TimerScheduler<? super ReplicaSync.CopyTimeout> timers;
    private final Logger log;
    private final String who;
    /** The id of the last request, the chunks of its answer received so far, and how many there are (-1: not known). */
    private long syncId;
    private final BitSet received = new BitSet();
    private int expected = -1;
    /** The most chunks a replica's whole state can take: a chunk claiming more is refused before it sizes anything. */
    private final int maxChunks;

    /**
     * @param next       the replica to copy from
     * @param who        the replica that copies, as logs name it
     * @param maxEntries the most entries (sessions and tombstones) a replica of this tier holds
     */
    ReplicaCopy(RecipientRef<? super ReplicaSync.SyncRequest> next, ActorRef<ReplicaSync.SyncChunk> self,
                TimerScheduler<? super ReplicaSync.CopyTimeout> timers, Logger log, String who, long maxEntries) {
        this.next = next;
        this.self = self;
        this.timers = timers;
        this.log = log;
        this.who = who;
        this.maxChunks = (int) Math.min(Integer.MAX_VALUE, (maxEntries + CHUNK - 1) / CHUNK + 1);
    }

    /** Sends {@code entries} to {@code to} as numbered chunks carrying {@code syncId} (one empty chunk if there are none). */
    static void send(List<ReplicaSync.SyncEntry> entries, long syncId, Consumer<? super ReplicaSync.SyncChunk> to) {
        int count = Math.max(1, (entries.size() + CHUNK - 1) / CHUNK);
        for (int i = 0; i < count; i++) {
            to.accept(new ReplicaSync.SyncChunk(List.copyOf(entries.subList(i * CHUNK, Math.min(entries.size(), (i + 1) * CHUNK))),
                    syncId, i, count));
        }
    }

    /** Asks the next replica for its whole state, to arrive within {@link #TIMEOUT}. */
    void request() {
        syncId++;
        received.clear();
        expected = -1;
        next.tell(new ReplicaSync.SyncRequest(self, syncId));
        timers.startSingleTimer(ReplicaSync.CopyTimeout.INSTANCE, TIMEOUT);
    }

    /**
     * Records {@code chunk} (merged by the caller before): if it completed the answer to the last
     * request, the replica goes on as {@code complete} says, else it stays as it is.
     */
    <T> Behavior<T> received(ReplicaSync.SyncChunk chunk, Supplier<Behavior<T>> complete) {
        if (chunk.syncId() != syncId || chunk.syncId() == 0) {
            return Behaviors.same(); // a handed-off state, a repair, or the answer to an earlier request: nothing to track
        }
        // Numbers from the wire: a chunk index sizes the set of chunks received, so it is checked first.
        if (chunk.count() < 1 || chunk.count() > maxChunks || chunk.index() < 0 || chunk.index() >= chunk.count()
                || expected >= 0 && chunk.count() != expected) {
            log.warn("{}: refused a chunk of its next replica's state numbered {} of {} (a state takes 1 to {} chunks{}); "
                    + "the copy goes on without it", who, chunk.index(), chunk.count(), maxChunks,
                    expected >= 0 ? ", and this answer has " + expected : "");
            return Behaviors.same();
        }
        received.set(chunk.index());
        expected = chunk.count();
        if (received.cardinality() < expected) {
            return Behaviors.same();
        }
        timers.cancel(ReplicaSync.CopyTimeout.INSTANCE);
        expected = -1;
        syncId++; // later duplicates are merged only
        return complete.get();
    }

    /**
     * The timeout of the first request, while the replica is still copying: if some of the answer
     * came, chunks were lost on the way, so ask once more (merging again is harmless); if none
     * came (the next replica is not up yet), give up. The replica serves what it has either way,
     * going on as {@code copied} says.
     */
    <T> Behavior<T> timedOutWhileCopying(Supplier<Behavior<T>> copied) {
        if (expected >= 0) {
            log.warn("{}: {} of its next replica's state within {} s; asking again, serving meanwhile", who, progress(),
                    TIMEOUT.toSeconds());
            request();
        } else {
            giveUp();
        }
        return copied.get();
    }

    /**
     * The timeout of a request while an expansion replica copies (it acknowledges no write before
     * it knows its next replica's tombstones): ask again, and keep copying, however long it takes.
     *
     * @param refused the writes that waited and were refused
     */
    <T> Behavior<T> askAgainWhileCopying(int refused) {
        log.warn("{}: {} of its next replica's state within {} s; asking again, {} waiting writes refused (retryable), "
                + "writes refused until the copy is complete", who, progress(), TIMEOUT.toSeconds(), refused);
        request();
        return Behaviors.same();
    }

    /** The timeout of a request asked again: the replica keeps serving what it has. */
    <T> Behavior<T> timedOutAfterCopying() {
        giveUp();
        return Behaviors.same();
    }

    private void giveUp() {
        log.info("{}: {} of its next replica's state within {} s; serving what it has", who, progress(), TIMEOUT.toSeconds());
        expected = -1;
    }

    private String progress() {
        return expected < 0 ? "no answer" : received.cardinality() + " of " + expected + " chunks";
    }
}
