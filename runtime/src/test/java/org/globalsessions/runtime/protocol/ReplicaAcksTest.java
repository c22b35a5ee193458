package org.globalsessions.runtime.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplicaAcksTest {

    /**
     * Bug (issue 19): put acks were counted, so a late ack of replica 0 plus a retry's ack of
     * replica 0 read as "both replicas stored it" while replica 1 never had.
     */
    @Test
    void aLateAckAndARetrysAckOfOneReplicaDoNotCountAsTwo() {
        ReplicaAcks acks = new ReplicaAcks();
        assertFalse(acks.ack(0, 2));
        assertFalse(acks.ack(0, 2), "the same replica again");
        assertEquals(1, acks.count());
        assertTrue(acks.ack(1, 2));
    }

    @Test
    void doneOnlyWhenEveryReplicaAcked() {
        ReplicaAcks acks = new ReplicaAcks();
        assertFalse(acks.ack(2, 3));
        assertFalse(acks.ack(0, 3));
        assertTrue(acks.ack(1, 3));
        assertTrue(new ReplicaAcks().ack(0, 1), "one replica: its ack is all");
    }

    @Test
    void missingNamesTheReplicasThatHaveNotAcknowledged() {
        ReplicaAcks acks = new ReplicaAcks();
        assertEquals(0b111, acks.missing() & 0b111);
        acks.ack(1, 3);
        assertEquals(0b101, acks.missing() & 0b111);
        acks.ack(0, 3);
        acks.ack(2, 3);
        assertEquals(0, acks.missing() & 0b111);
    }

    /** Issue 20 item 2: the chain's last replica reports every replica that stored a write in one message. */
    @Test
    void oneReportCanNameSeveralReplicas() {
        ReplicaAcks acks = new ReplicaAcks();
        assertTrue(acks.ackAll(0b11, 2), "both replicas in one report");
        ReplicaAcks partly = new ReplicaAcks();
        assertFalse(partly.ackAll(0b011, 3));
        assertEquals(0b100, partly.missing() & 0b111, "sent again to replica 2 alone");
        assertTrue(partly.ackAll(0b100, 3));
        assertFalse(new ReplicaAcks().ackAll(0b100, 2), "a replica past the last records nothing");
        assertFalse(new ReplicaAcks().ackAll(0, 2), "nobody");
        assertEquals(-1L, ReplicaAcks.all(64));
        assertEquals(0b111, ReplicaAcks.all(3));
    }

    @Test
    void anIndexOutOfRangeRecordsNothing() {
        ReplicaAcks acks = new ReplicaAcks();
        assertFalse(acks.ack(2, 2));
        assertFalse(acks.ack(-1, 2));
        assertFalse(acks.ack(0, 0));
        assertEquals(0, acks.count());
    }
}
