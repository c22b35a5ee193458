package org.globalsessions.shm;

import java.io.IOException;
import java.nio.file.Path;

import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.MappedFile;
import net.openhft.chronicle.core.io.ReferenceOwner;

/**
 * The whole table file mapped once (Chronicle {@link MappedFile#ofSingle}), shared with every
 * other process that maps it. Exposes the base address; {@link SegmentOps} reads and writes at
 * absolute addresses, having checked every record index it follows against the geometry.
 */
final class Mapping implements AutoCloseable {

    private final MappedFile file;
    private final MappedBytesStore store;
    private final ReferenceOwner owner;
    private final long address;
    private final long size;

    private Mapping(MappedFile file, MappedBytesStore store, ReferenceOwner owner, long size) {
        this.file = file;
        this.store = store;
        this.owner = owner;
        this.address = store.addressForRead(0);
        this.size = size;
    }

    static Mapping map(Path path, long size) throws IOException {
        ReferenceOwner owner = ReferenceOwner.temporary("shm-lru " + path);
        MappedFile file = MappedFile.ofSingle(path.toFile(), size, false);
        try {
            MappedBytesStore store = file.acquireByteStore(owner, 0);
            if (store.safeLimit() < size) {
                store.release(owner);
                throw new IOException("mapped only " + store.safeLimit() + " of " + size + " bytes");
            }
            return new Mapping(file, store, owner, size);
        } catch (IOException | RuntimeException e) {
            file.releaseLast();
            throw e;
        }
    }

    long address() {
        return address;
    }

    long size() {
        return size;
    }

    @Override
    public void close() {
        store.release(owner);
        file.releaseLast();
    }
}
