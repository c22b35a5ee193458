package org.globalsessions.shm;

import static org.globalsessions.shm.FileHeaderLayout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import net.openhft.chronicle.core.UnsafeMemory;

/**
 * Creating, attaching and validating a table file; see {@code shm-lru/SPEC.md}, "Initialisation".
 *
 * <h2>Who initialises</h2>
 * The file is created owner-only ({@code 0600}) with {@code O_CREAT|O_EXCL}. Whoever then holds
 * the OS file lock ({@code fcntl}, released by the kernel when its holder dies) and finds the
 * header not {@code READY} initialises it: so when two processes race to create, exactly one
 * initialises and the other, once it gets the lock, finds the table ready and attaches; and a
 * creator that died half way is replaced by the next one. An attacher never takes part: it
 * waits for {@code READY}, and reports a file that a dead process left half initialised.
 *
 * <h2>Order of initialisation</h2>
 * Size the file (all zero), write magic, layout version and {@code INITIALISING|pid}, then the
 * settings and their CRC, then each segment header; publish {@code READY|pid} last with an
 * ordered store, so whoever reads {@code READY} sees everything before it.
 */
final class TableFile {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private TableFile() {
    }

    /** A validated, mapped table; {@code created} when this process initialised it. */
    record Opened(Mapping mapping, ShmLruSettings settings, Geometry geometry, boolean created) {
    }

    static Opened create(Path path, ShmLruSettings settings, ShmLruOptions options) {
        Geometry geometry = Geometry.of(settings);
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new ShmLruException(path + ": directory " + parent + " does not exist");
            }
            boolean made = false;
            try {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                made = true;
            } catch (FileAlreadyExistsException e) {
                checkFile(path, options);
            }
            long deadline = System.nanoTime() + options.initTimeout().toNanos();
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                FileLock lock = lockForInit(path, channel, deadline);
                try {
                    ByteBuffer header = readHeader(channel);
                    long size = channel.size();
                    if (size >= HEADER_SIZE && header.getLong(MAGIC_OFFSET) != 0) {
                        checkMagicAndVersion(path, header);
                        if (initState(header.getLong(INIT_WORD_OFFSET)) == INIT_READY) {
                            ShmLruSettings existing = validateReady(path, header, size);
                            if (!sameLayout(existing, settings)) {
                                throw new ShmLruException(path + " already holds a table with other settings ("
                                        + describe(existing) + ") than requested (" + describe(settings)
                                        + "); remove the file to recreate it, or attach with its settings");
                            }
                            return new Opened(Mapping.map(path, size), existing, Geometry.of(existing), false);
                        }
                        // Not ready, and we hold the init lock: its creator died half way. Start over.
                    } else if (!isZero(header, (int) Math.min(size, HEADER_SIZE))) {
                        throw new ShmLruException(path + " is not a global-sessions table (no magic number, "
                                + size + " bytes of other data); refusing to overwrite it");
                    }
                    checkRoom(path, geometry, settings);
                    return new Opened(initialise(path, channel, settings, geometry), settings, geometry, true);
                } finally {
                    lock.release();
                }
            } catch (ShmLruException refused) {
                if (made) {
                    Files.deleteIfExists(path); // the empty file this call made, so nobody attaches to it
                }
                throw refused;
            }
        } catch (IOException e) {
            throw new ShmLruException(path + ": cannot create table: " + e, e);
        }
    }

    static Opened attach(Path path, ShmLruOptions options) {
        if (!Files.exists(path)) {
            throw new ShmLruException(path + ": no table file; the process that manages this host's table "
                    + "(the one that creates it) must start first");
        }
        checkFile(path, options);
        long deadline = System.nanoTime() + options.initTimeout().toNanos();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                long size = channel.size();
                ByteBuffer header = readHeader(channel);
                boolean timedOut = System.nanoTime() - deadline >= 0;
                if (size < HEADER_SIZE || header.getLong(MAGIC_OFFSET) == 0) {
                    if (!isZero(header, (int) Math.min(size, HEADER_SIZE))) {
                        throw new ShmLruException(path + " is not a global-sessions table (no magic number)");
                    }
                    if (timedOut) {
                        throw new ShmLruException(path + " is truncated or was never initialised: " + size
                                + " bytes, less than its " + HEADER_SIZE + "-byte header, and no process finished creating it within "
                                + options.initTimeout().toMillis() + " ms; remove it and let the managing process recreate it");
                    }
                } else {
                    checkMagicAndVersion(path, header);
                    long word = header.getLong(INIT_WORD_OFFSET);
                    long state = initState(word);
                    if (state == INIT_READY) {
                        ShmLruSettings settings = validateReady(path, header, size);
                        return new Opened(Mapping.map(path, size), settings, Geometry.of(settings), false);
                    }
                    if (state != INIT_INITIALISING) {
                        throw new ShmLruException(path + " has a corrupt header: initialisation state " + state);
                    }
                    if (!initLockHeld(channel)) {
                        throw new ShmLruException(path + " is half-initialised: pid " + initPid(word)
                                + " began creating it and died before finishing; remove the file, or create() it again");
                    }
                    if (timedOut) {
                        throw new ShmLruException(path + " is still being initialised by pid " + initPid(word) + " after "
                                + options.initTimeout().toMillis() + " ms");
                    }
                }
                LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            }
        } catch (AccessDeniedException e) {
            throw new ShmLruException(path + ": permission denied; the table belongs to another user", e);
        } catch (NoSuchFileException e) {
            throw new ShmLruException(path + ": the table file disappeared while attaching", e);
        } catch (IOException e) {
            throw new ShmLruException(path + ": cannot attach: " + e, e);
        }
    }

    /** Reads and validates the settings of an existing, ready file without mapping it (for inspection). */
    static ShmLruSettings readSettings(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer header = readHeader(channel);
            if (channel.size() < HEADER_SIZE) {
                throw new ShmLruException(path + " is truncated: " + channel.size() + " bytes");
            }
            checkMagicAndVersion(path, header);
            if (initState(header.getLong(INIT_WORD_OFFSET)) != INIT_READY) {
                throw new ShmLruException(path + " is not ready: " + describeState(header.getLong(INIT_WORD_OFFSET)));
            }
            return validateReady(path, header, channel.size());
        } catch (IOException e) {
            throw new ShmLruException(path + ": cannot read: " + e, e);
        }
    }

    private static Mapping initialise(Path path, FileChannel channel, ShmLruSettings settings, Geometry geometry)
            throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.allocate(1), geometry.fileSize() - 1); // sparse: pages appear when first used
        Mapping mapping = Mapping.map(path, geometry.fileSize());
        try {
            long base = mapping.address();
            UnsafeMemory m = UnsafeMemory.MEMORY;
            m.writeLong(base + MAGIC_OFFSET, MAGIC);
            m.writeInt(base + LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
            m.writeInt(base + HEADER_SIZE_OFFSET, HEADER_SIZE);
            m.writeOrderedLong(base + INIT_WORD_OFFSET, initWord(INIT_INITIALISING, ProcessHandle.current().pid()));

            m.writeLong(base + CREATED_AT_OFFSET, System.currentTimeMillis());
            m.writeLong(base + EL_COUNT_OFFSET, settings.elCount());
            m.writeInt(base + RECORD_SIZE_OFFSET, settings.recordSize());
            m.writeInt(base + SEGMENT_COUNT_OFFSET, settings.segments());
            m.writeLong(base + SEED_OFFSET, settings.seed());
            m.writeLong(base + LOCK_LEASE_MILLIS_OFFSET, settings.lockLease().toMillis());
            m.writeInt(base + SEGMENT_CAPACITY_OFFSET, geometry.segmentCapacity());
            m.writeInt(base + SLOTS_PER_SEGMENT_OFFSET, geometry.slotsPerSegment());
            m.writeInt(base + RECORD_STRIDE_OFFSET, geometry.recordStride());
            m.writeLong(base + SEGMENT_STRIDE_OFFSET, geometry.segmentStride());
            m.writeLong(base + SEGMENTS_OFFSET_OFFSET, geometry.segmentsOffset());
            m.writeLong(base + FILE_SIZE_OFFSET, geometry.fileSize());
            byte[] block = new byte[SETTINGS_CRC_OFFSET - CREATED_AT_OFFSET];
            SegmentOps.copyOut(base + CREATED_AT_OFFSET, block, 0, block.length);
            m.writeLong(base + SETTINGS_CRC_OFFSET, crc(block));

            for (int segment = 0; segment < settings.segments(); segment++) {
                SegmentOps.initSegment(base + geometry.segmentsOffset() + segment * geometry.segmentStride());
            }
            // Publishes everything above: an attacher that reads READY sees a complete table.
            m.writeOrderedLong(base + INIT_WORD_OFFSET, initWord(INIT_READY, ProcessHandle.current().pid()));
            return mapping;
        } catch (RuntimeException e) {
            mapping.close();
            throw e;
        }
    }

    private static ShmLruSettings validateReady(Path path, ByteBuffer header, long size) {
        int headerSize = header.getInt(HEADER_SIZE_OFFSET);
        if (headerSize != HEADER_SIZE) {
            throw new ShmLruException(path + " has a corrupt header: header size " + headerSize + ", expected " + HEADER_SIZE);
        }
        byte[] block = new byte[SETTINGS_CRC_OFFSET - CREATED_AT_OFFSET];
        header.get(CREATED_AT_OFFSET, block);
        long storedCrc = header.getLong(SETTINGS_CRC_OFFSET);
        if (crc(block) != storedCrc) {
            throw new ShmLruException(path + " has a corrupt header: settings checksum mismatch");
        }
        ShmLruSettings settings;
        try {
            settings = new ShmLruSettings(header.getLong(EL_COUNT_OFFSET), header.getInt(RECORD_SIZE_OFFSET),
                    header.getLong(SEED_OFFSET), header.getInt(SEGMENT_COUNT_OFFSET),
                    Duration.ofMillis(header.getLong(LOCK_LEASE_MILLIS_OFFSET)));
        } catch (IllegalArgumentException e) {
            throw new ShmLruException(path + " has a corrupt header: " + e.getMessage(), e);
        }
        Geometry expected = Geometry.of(settings);
        Geometry stored = new Geometry(header.getInt(SEGMENT_CAPACITY_OFFSET), expected.recordsPerSegment(),
                header.getInt(SLOTS_PER_SEGMENT_OFFSET), header.getInt(RECORD_STRIDE_OFFSET),
                header.getLong(SEGMENT_STRIDE_OFFSET), header.getLong(SEGMENTS_OFFSET_OFFSET),
                header.getLong(FILE_SIZE_OFFSET));
        if (!expected.equals(stored)) {
            throw new ShmLruException(path + " has a corrupt header: stored geometry " + stored
                    + " does not follow from its settings (" + expected + ")");
        }
        if (size < expected.fileSize()) {
            throw new ShmLruException(path + " is truncated: " + size + " bytes, but its header says "
                    + expected.fileSize() + "; remove it and let the managing process recreate it");
        }
        return settings;
    }

    private static void checkMagicAndVersion(Path path, ByteBuffer header) {
        long magic = header.getLong(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new ShmLruException(String.format("%s is not a global-sessions table: magic 0x%016x, expected 0x%016x",
                    path, magic, MAGIC));
        }
        int version = header.getInt(LAYOUT_VERSION_OFFSET);
        if (version != LAYOUT_VERSION) {
            throw new ShmLruException(path + " has layout version " + version + "; this build reads version "
                    + LAYOUT_VERSION + ". Stop the processes using it and remove it, or run a matching build");
        }
    }

    /**
     * Refuses a file this process must not trust with sessions, which are secrets: a symbolic link
     * (it could point anywhere, e.g. at a file another user reads), anything but a regular file, a
     * file other users may read or write, and a file another user owns, which that user may have
     * created in advance to read or feed this host's sessions, unless tables are shared on purpose
     * with {@link ShmLruOptions#sharedGroup} and the file belongs to that group.
     */
    static void checkFile(Path path, ShmLruOptions options) {
        try {
            PosixFileAttributes file = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (file.isSymbolicLink()) {
                throw new ShmLruException(path + " is a symbolic link (to " + Files.readSymbolicLink(path) + "); a table must be "
                        + "a regular file, which a link could redirect anywhere: remove the link");
            }
            if (!file.isRegularFile()) {
                throw new ShmLruException(path + " is not a regular file");
            }
            Set<PosixFilePermission> permissions = file.permissions();
            if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new ShmLruException(path + " has permissions " + PosixFilePermissions.toString(permissions)
                        + ", readable or writable by every user; a session table must be owner-only (0600) "
                        + "or shared with a group (0660): chmod o-rw it");
            }
            int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int me = currentUid();
            if (me >= 0 && owner != me) {
                String group = options.sharedGroup();
                if (group == null) {
                    throw new ShmLruException(path + " belongs to user " + file.owner().getName() + " (uid " + owner
                            + "), not to this process's user (uid " + me + "): another user may have made it to read or feed "
                            + "this host's sessions. Remove it; or, to share a host's table between users on purpose, put "
                            + "them in one group and name it (table.group)");
                }
                if (!file.group().getName().equals(group)) {
                    throw new ShmLruException(path + " belongs to user " + file.owner().getName() + " and group "
                            + file.group().getName() + ", not to the group tables are shared with (" + group + ")");
                }
            }
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // not a POSIX file system, or no unix attribute view: nothing to check
        } catch (NoSuchFileException e) {
            throw new ShmLruException(path + ": no table file", e);
        } catch (IOException e) {
            throw new ShmLruException(path + ": cannot read its owner and permissions: " + e, e);
        }
    }

    /** The real user id of this process, -1 where it cannot be told (no /proc). */
    private static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /**
     * Refuses a table larger than the free space of its file system: the file is sparse, so it
     * would be made, and the process would die of SIGBUS when the pages it touches find no room.
     */
    private static void checkRoom(Path path, Geometry geometry, ShmLruSettings settings) throws IOException {
        long free = Files.getFileStore(path).getUsableSpace();
        if (geometry.fileSize() > free) {
            throw new ShmLruException(path + ": a table of " + describe(settings) + " needs " + geometry.fileSize()
                    + " bytes, more than the " + free + " bytes free on its file system (" + Files.getFileStore(path)
                    + "); it would crash its processes (SIGBUS) as it fills: lower el-count or record-size, or give the "
                    + "file system more room");
        }
    }

    private static FileLock lockForInit(Path path, FileChannel channel, long deadline) throws IOException {
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                // another thread of this process is initialising it
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new ShmLruException(path + " is being initialised by another process that did not finish in time");
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
    }

    /** Whether some process (or another thread of this one) holds the init lock. */
    private static boolean initLockHeld(FileChannel channel) throws IOException {
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    private static ByteBuffer readHeader(FileChannel channel) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        while (header.hasRemaining() && channel.read(header, header.position()) > 0) {
            // keep reading until the header is full or the file ends
        }
        return header.clear();
    }

    private static boolean isZero(ByteBuffer buffer, int length) {
        for (int i = 0; i < length; i++) {
            if (buffer.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static long crc(byte[] block) {
        CRC32C crc = new CRC32C();
        crc.update(block);
        return crc.getValue();
    }

    private static boolean sameLayout(ShmLruSettings a, ShmLruSettings b) {
        return a.elCount() == b.elCount() && a.recordSize() == b.recordSize() && a.seed() == b.seed()
                && a.segments() == b.segments();
    }

    static String describe(ShmLruSettings s) {
        return "el_count=" + s.elCount() + ", record_size=" + s.recordSize() + ", seed=" + s.seed()
                + ", segments=" + s.segments() + ", lock_lease=" + s.lockLease().toMillis() + "ms";
    }
}
