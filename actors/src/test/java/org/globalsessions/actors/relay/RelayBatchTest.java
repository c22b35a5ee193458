package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.tables.Tables;
import org.globalsessions.runtime.bootstrap.FreePorts;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.testing.TestNodes;
import org.globalsessions.shm.ShmLru;

/**
 * A batch of lookups whose L2 answers are large: the relay's {@code Answers} carries at most
 * {@link RelayActor#MAX_ANSWERS_BYTES} of sessions and the rest go as single {@code Found}s, so
 * no answer grows past Artery's frame size (records may hold 64 KiB).
 */
class RelayBatchTest {

    @TempDir
    Path dir;

    @Test
    void largeAnswersLeaveTheBatchAnswerAndTravelAlone() {
        GlobalSessionsSettings settings = new TestNodes(dir).node(List.of(Role.RELAY), FreePorts.next(), List.of(), Map.of(
                "relay.table.path", dir.resolve("l2.lru").toString(),
                "relay.table.el-count", 16,
                "relay.table.segments", 1,
                "relay.table.record-size", 40_000));
        ActorTestKit kit = ActorTestKit.create();
        try (ShmLru l2 = Tables.createRelayTable(settings)) {
            byte[] value = new byte[30_000];
            for (int i = 1; i <= 4; i++) {
                l2.putIfNewer(("big-" + i).getBytes(StandardCharsets.UTF_8), value, i, Duration.ofMinutes(5), 0);
            }
            l2.putIfNewer("small".getBytes(StandardCharsets.UTF_8), new byte[10], 9, Duration.ofMinutes(5), 0);
            ActorRef<RelayCommand> relay = kit.spawn(RelayActor.create(settings, l2, NodeMetrics.unregistered()));
            TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);
            relay.tell(new RelayCommand.GetBatch(5, List.of(new RelayCommand.Lookup("big-1", 1, 0),
                    new RelayCommand.Lookup("big-2", 2, 0), new RelayCommand.Lookup("big-3", 3, 0),
                    new RelayCommand.Lookup("small", 4, 0), new RelayCommand.Lookup("big-4", 5, 0)), edge.getRef()));

            // 2 x 30 000 fit in 64 KiB, the third does not (nor the fourth); the small one still does.
            assertEquals(3, edge.expectMessageClass(EdgeCommand.Found.class).requestId());
            assertEquals(5, edge.expectMessageClass(EdgeCommand.Found.class).requestId());
            EdgeCommand.Answers answers = edge.expectMessageClass(EdgeCommand.Answers.class);
            assertEquals(5, answers.batchId());
            assertEquals(List.of(1L, 2L, 4L), answers.found().stream().map(EdgeCommand.Found::requestId).toList());
        } finally {
            kit.shutdownTestKit();
        }
    }
}
