package org.globalsessions.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import org.globalsessions.shm.ShmLru;
import org.globalsessions.shm.ShmLruSettings;

/**
 * File size of an shm-lru table with record size 416 at 20 000 and 1 000 000 entries, against
 * {@code 1.10 × el_count × record_size}. Creating a table only sizes the file (sparse in
 * tmpfs) and writes the headers, so this is quick. Arguments: optional entry counts.
 */
public final class FileSizes {

    private FileSizes() {
    }

    public static void main(String[] args) throws Exception {
        long[] counts = args.length == 0 ? new long[] {20_000, 1_000_000} : java.util.Arrays.stream(args).mapToLong(Long::parseLong).toArray();
        int recordSize = BenchBase.RECORD_SIZE;
        for (long elCount : counts) {
            Path path = BenchFiles.fresh("size", elCount, "lru");
            try (ShmLru table = ShmLru.create(path, ShmLruSettings.builder().elCount(elCount).recordSize(recordSize).build())) {
                long size = Files.size(path);
                double bound = 1.10 * elCount * recordSize;
                double raw = (double) elCount * recordSize;
                System.out.printf("RESULT file size el_count=%d record_size=%d segments=%d capacity=%d: file=%d bytes"
                                + " = %.4f x el_count x record_size; 1.10 x el_count x record_size=%.0f;"
                                + " file - bound = %+.0f bytes (%s)%n",
                        elCount, recordSize, table.settings().segments(), table.capacity(), size, size / raw, bound,
                        size - bound, size <= bound ? "within the bound without any header allowance" : "over the bound");
            } finally {
                BenchFiles.delete(path);
            }
        }
    }
}
