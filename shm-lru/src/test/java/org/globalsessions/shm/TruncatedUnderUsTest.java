package org.globalsessions.shm;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.globalsessions.testkit.ShmDirectory;

/**
 * Issue 22 item 3: a table file another process truncates under a running one. Reading a page
 * past the file's end raises SIGBUS; the JVM turns it into an InternalError, at the access when
 * interpreted, and in compiled code at the thread's next call into the VM, which can come after the
 * table's call returned. The table turns the ones raised inside it into a clear error naming the
 * sizes, and refuses every later call.
 */
class TruncatedUnderUsTest {

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private static ShmLru filled(Path path) {
        ShmLru table = ShmLru.create(path, ShmLruSettings.of(1000, 64));
        for (int i = 0; i < 500; i++) {
            table.put("k" + i, new byte[] {1, 2, 3}, null);
        }
        return table;
    }

    private static void truncate(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(4096);
        }
    }

    @Test
    void anAccessPastTheNewEndIsAClearErrorAndTheTableIsRefusedAfter() throws IOException {
        Path path = shm.file("truncated.lru");
        try (ShmLru table = filled(path)) {
            long size = Files.size(path);
            truncate(path);
            ShmLruException error = null;
            for (int i = 0; i < 500 && error == null; i++) {
                try {
                    table.get("k" + i);
                    table.put("n" + i, new byte[] {4}, null);
                } catch (ShmLruException refused) {
                    error = refused;
                } catch (InternalError late) {
                    // compiled code: the JVM raised the fault after the table's call had returned; the next access faults again
                }
            }
            assertNotNull(error, "no access past the new end was refused with a ShmLruException in 500 tries");
            assertTrue(error.getMessage().contains("truncated the table file to 4096 bytes")
                    && error.getMessage().contains("it needs " + size), error.getMessage());
            ShmLruException later = assertThrows(ShmLruException.class, () -> table.get("k1"));
            assertTrue(later.getMessage().contains("truncated"), later.getMessage());
        }
    }

    @Test
    void thePeriodicCheckFindsItBeforeAnyAccessFaults() throws IOException {
        Path path = shm.file("checked.lru");
        try (ShmLru table = filled(path)) {
            truncate(path);
            ShmLruException error = assertThrows(ShmLruException.class, table::publishCounters);
            assertTrue(error.getMessage().contains("truncated"), error.getMessage());
            assertThrows(ShmLruException.class, () -> table.put("x", new byte[] {1}, null), "refused from then on");
        }
    }
}
