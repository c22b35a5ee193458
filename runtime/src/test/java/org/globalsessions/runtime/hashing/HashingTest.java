package org.globalsessions.runtime.hashing;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class HashingTest {

    @Test
    void shardIsStableAndInRange() {
        KeyHashing hashing = new KeyHashing(9849381, 64);
        int[] counts = new int[64];
        for (int i = 0; i < 64_000; i++) {
            String key = "session-" + i;
            int shard = hashing.shardOf(key);
            assertEquals(shard, new KeyHashing(9849381, 64).shardOf(key));
            counts[shard]++;
        }
        for (int count : counts) {
            assertTrue(count > 800 && count < 1200, "shards are balanced: " + count);
        }
        assertNotEquals(new KeyHashing(1, 64).shardOf("a-key") * 1000 + new KeyHashing(1, 64).shardOf("b-key"),
                new KeyHashing(2, 64).shardOf("a-key") * 1000 + new KeyHashing(2, 64).shardOf("b-key"),
                "the seed changes placement");
    }

    @Test
    void badShardCountIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KeyHashing(1, 0));
        assertEquals("shards=0 must be between 1 and 65536", e.getMessage());
    }

    @Test
    void ringSpreadsKeysAndMovesFewWhenAMemberLeaves() {
        List<String> relays = List.of("10.0.0.1:25520", "10.0.0.2:25520", "10.0.0.3:25520");
        ConsistentRing<String> three = new ConsistentRing<>(relays);
        ConsistentRing<String> two = new ConsistentRing<>(relays.subList(0, 2));
        Map<String, Integer> load = new HashMap<>();
        int moved = 0;
        int onRemoved = 0;
        for (int i = 0; i < 30_000; i++) {
            String key = "k" + i;
            String home = three.home(key);
            load.merge(home, 1, Integer::sum);
            if (home.equals(relays.get(2))) {
                onRemoved++;
                assertEquals(three.walk(key).get(1), two.home(key), "keys of a removed relay fail over to the next on the ring");
            } else if (!home.equals(two.home(key))) {
                moved++;
            }
        }
        assertEquals(0, moved, "keys of surviving relays stay where they are");
        load.values().forEach(n -> assertTrue(n > 7_000 && n < 13_000, "balanced: " + load));
        assertTrue(onRemoved > 7_000);
    }

    @Test
    void walkListsEveryMemberOnceStartingAtHome() {
        ConsistentRing<String> ring = new ConsistentRing<>(List.of("a:1", "b:1", "c:1", "d:1"));
        List<String> walk = ring.walk("some-session");
        assertEquals(4, walk.size());
        assertEquals(4, walk.stream().distinct().count());
        assertEquals(ring.home("some-session"), walk.get(0));
        assertEquals(walk.get(1), ring.first("some-session", m -> !m.equals(walk.get(0))));
        assertNull(new ConsistentRing<String>(List.of()).home("x"));
    }

    /** first() reads the ring in place; it must choose what the walk's order chooses, for any key and any usable members. */
    @Test
    void firstIsTheFirstUsableMemberOfTheWalk() {
        List<String> members = List.of("10.0.0.1:2552", "10.0.0.2:2552", "10.0.0.3:2552", "10.0.0.4:2552", "10.0.0.5:2552");
        ConsistentRing<String> ring = new ConsistentRing<>(members);
        Random random = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            String key = "session-" + random.nextLong();
            Set<String> usable = new HashSet<>();
            for (String m : members) {
                if (random.nextInt(3) == 0) {
                    usable.add(m);
                }
            }
            String expected = ring.walk(key).stream().filter(usable::contains).findFirst().orElse(null);
            assertEquals(expected, ring.first(key, usable::contains), key + " with " + usable);
        }
        assertEquals(null, new ConsistentRing<String>(List.of()).first("k", m -> true));
    }
}
