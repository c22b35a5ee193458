package org.globalsessions.shm;

import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until an agreed instant, then calls {@link ShmLru#create} on a path other processes race
 * for, writes its own key and prints {@code created=<true|false>}.
 * Args: table path, start instant (epoch ms), el_count, record_size, id.
 */
public final class CreateRaceChild {

    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        long startAt = Long.parseLong(args[1]);
        ShmLruSettings settings = ShmLruSettings.of(Long.parseLong(args[2]), Integer.parseInt(args[3]));
        while (System.currentTimeMillis() < startAt) {
            LockSupport.parkNanos(100_000);
        }
        try (ShmLru table = ShmLru.create(path, settings)) {
            table.put("racer-" + args[4], new byte[] {1}, null);
            System.out.println("created=" + table.created());
        }
    }
}
