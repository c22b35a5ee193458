package org.globalsessions.actors.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.actors.metrics.NodeMetrics;
import org.globalsessions.actors.tables.Tables;
import org.globalsessions.runtime.bootstrap.FreePorts;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.Role;
import org.globalsessions.runtime.protocol.EdgeCommand;
import org.globalsessions.runtime.protocol.RelayCommand;
import org.globalsessions.runtime.protocol.SiblingCommand;
import org.globalsessions.runtime.testing.TestNodes;
import org.globalsessions.shm.ShmLru;

/**
 * A write whose {@code Stored} reports never reach the relay (lost on the way, as Artery drops
 * messages when a send queue is full) while the owner acknowledged it to the writer: once the
 * write's deadline passes, the relay must not go back to answering the older L2 copy. Here a
 * probe stands in for the sibling and passes nothing on, which is what the relay sees then.
 */
class RelayLostStoredTest {

    private static final byte[] KEY = "session-k".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void anOlderL2CopyIsDroppedWhenAWriteIsNeverReportedStored() {
        GlobalSessionsSettings settings = new TestNodes(dir).node(List.of(Role.RELAY), FreePorts.next(), List.of(), Map.of(
                "relay.table.path", dir.resolve("l2.lru").toString(),
                "relay.table.el-count", 64,
                "request-timeout", "200ms"));
        ActorTestKit kit = ActorTestKit.create();
        try (ShmLru l2 = Tables.createRelayTable(settings)) {
            l2.putIfNewer(KEY, "old".getBytes(StandardCharsets.UTF_8), 1, Duration.ofMinutes(5), 0);
            l2.putIfNewer("other".getBytes(StandardCharsets.UTF_8), "x".getBytes(StandardCharsets.UTF_8), 1, Duration.ofMinutes(5), 0);
            ActorRef<RelayCommand> relay = kit.spawn(RelayActor.create(settings, l2, NodeMetrics.unregistered()));
            TestProbe<SiblingCommand> sibling = kit.createTestProbe(SiblingCommand.class);
            kit.system().receptionist().tell(Receptionist.register(SiblingActor.key(settings.hostname(), Tables.relayPath(settings)),
                    sibling.getRef()));
            TestProbe<EdgeCommand> edge = kit.createTestProbe(EdgeCommand.class);

            // Until the relay knows its sibling it fails writes; then the write goes to the owner through it.
            SiblingCommand.StoreAtOwner store = null;
            for (int attempt = 0; store == null && attempt < 50; attempt++) {
                relay.tell(new RelayCommand.Put("session-k", "new".getBytes(StandardCharsets.UTF_8), 2, 60_000, attempt, edge.getRef()));
                try {
                    store = sibling.expectMessageClass(SiblingCommand.StoreAtOwner.class, Duration.ofMillis(200));
                } catch (AssertionError noSiblingYet) {
                    edge.expectMessageClass(EdgeCommand.Failed.class);
                }
            }
            assertNotNull(store, "the relay never found its sibling");
            assertEquals(2, store.put().version());

            // The deadline (2 x request-timeout, checked every second) passes with no Stored.
            sibling.expectNoMessage(Duration.ofMillis(1_500));
            assertNull(l2.getEntry(KEY), "the relay kept a copy older than a write the owner may have acknowledged");
            assertNotNull(l2.getEntry("other".getBytes(StandardCharsets.UTF_8)), "only the written key's copy is dropped");

            // So the next read asks the owner instead of answering "old" from L2.
            relay.tell(new RelayCommand.GetBatch(1, List.of(new RelayCommand.Lookup("session-k", 100, 0)), edge.getRef()));
            RelayCommand.Get asked = sibling.expectMessageClass(RelayCommand.Get.class);
            assertEquals("session-k", asked.key());
            EdgeCommand.Answers answers = edge.expectMessageClass(EdgeCommand.Answers.class);
            assertTrue(answers.found().isEmpty() && answers.notFound().isEmpty(), "L2 answered " + answers);
        } finally {
            kit.shutdownTestKit();
        }
    }
}
