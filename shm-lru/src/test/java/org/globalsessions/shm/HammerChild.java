package org.globalsessions.shm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A process that attaches to a table and runs random puts, gets, removes and touches on a key
 * space it shares with other processes, checking every value it reads is whole and belongs to
 * the key it asked for. Prints one line: {@code OK ...} or {@code FAIL ...}.
 * Args: table path, seed, duration in ms, key space, max operations.
 */
public final class HammerChild {

    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        long durationNanos = Duration.ofMillis(Long.parseLong(args[2])).toNanos();
        int keySpace = Integer.parseInt(args[3]);
        long maxOps = Long.parseLong(args[4]);
        try (ShmLru table = ShmLru.attach(path)) {
            System.out.println(run(table, seed, durationNanos, keySpace, maxOps));
        } catch (Throwable e) {
            System.out.println("FAIL " + e);
            System.exit(1);
        }
    }

    static String run(ShmLru table, long seed, long durationNanos, int keySpace, long maxOps) {
        SplittableRandom random = new SplittableRandom(seed);
        long puts = 0, gets = 0, hits = 0;
        long deadline = System.nanoTime() + durationNanos;
        for (long op = 0; op < maxOps; op++) {
            if ((op & 1023) == 0 && System.nanoTime() - deadline > 0) {
                break;
            }
            byte[] key = ("key-" + random.nextInt(keySpace)).getBytes(StandardCharsets.UTF_8);
            int choice = random.nextInt(100);
            if (choice < 45) {
                table.put(key, CheckedValues.encode(key, seed << 32 | op, random.nextInt(80)), null);
                puts++;
            } else if (choice < 90) {
                byte[] value = table.get(key);
                gets++;
                if (value != null) {
                    CheckedValues.check(key, value);
                    hits++;
                }
            } else if (choice < 95) {
                table.remove(key);
            } else {
                table.touch(key);
            }
        }
        return "OK puts=" + puts + " gets=" + gets + " hits=" + hits;
    }
}
