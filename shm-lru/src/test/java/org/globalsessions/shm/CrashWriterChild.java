package org.globalsessions.shm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.globalsessions.testkit.ProgressFile;

/**
 * A process whose threads each write their own keys in a loop until it is killed. Thread
 * {@code t} of writer {@code w} writes sequence numbers 1, 2, 3, … to key
 * {@code w<w>-t<t>-k<seq % keys>} and then records {@code seq} in progress slot
 * {@code w * threads + t}.
 * Args: table path, progress path, writer id, threads, keys per thread, value padding.
 */
public final class CrashWriterChild {

    public static void main(String[] args) throws InterruptedException {
        Path tablePath = Path.of(args[0]);
        ProgressFile progress = ProgressFile.open(Path.of(args[1]), Integer.parseInt(args[6]));
        int writer = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int keys = Integer.parseInt(args[4]);
        int padding = Integer.parseInt(args[5]);
        ShmLru table = ShmLru.attach(tablePath);
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int thread = t;
            workers[t] = new Thread(() -> {
                int slot = writer * threads + thread;
                for (long seq = 1; ; seq++) {
                    byte[] key = key(writer, thread, seq % keys);
                    table.put(key, CheckedValues.encode(key, seq, padding), null);
                    progress.set(slot, seq);
                }
            }, "writer-" + thread);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    static byte[] key(int writer, int thread, long index) {
        return ("w" + writer + "-t" + thread + "-k" + index).getBytes(StandardCharsets.UTF_8);
    }
}
