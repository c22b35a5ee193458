package org.globalsessions.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A small mapped file of 64-bit counters through which child writers tell the test how far
 * they got: a child stores a counter with a volatile store after the operation it counts has
 * returned, so after the child is killed the counter is a lower bound of what it completed.
 */
public final class ProgressFile {

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final MappedByteBuffer buffer;

    private ProgressFile(MappedByteBuffer buffer) {
        this.buffer = buffer;
    }

    public static ProgressFile open(Path path, int slots) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new ProgressFile(channel.map(FileChannel.MapMode.READ_WRITE, 0, 8L * slots));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long get(int slot) {
        return (long) LONGS.getVolatile(buffer, slot * 8);
    }

    public void set(int slot, long value) {
        LONGS.setVolatile(buffer, slot * 8, value);
    }
}
