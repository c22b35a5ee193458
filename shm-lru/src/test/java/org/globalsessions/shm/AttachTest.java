package org.globalsessions.shm;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.globalsessions.testkit.ShmDirectory;

/** attach and create refuse every file they cannot trust, with a message that says why. */
class AttachTest {

    @RegisterExtension
    final ShmDirectory shm = new ShmDirectory();

    private static final ShmLruOptions QUICK = ShmLruOptions.DEFAULTS.withInitTimeout(Duration.ofMillis(300));

    private Path table(String name) {
        Path path = shm.file(name);
        try (ShmLru t = ShmLru.create(path, ShmLruSettings.of(100, 64))) {
            t.put("kept", new byte[] {42}, null);
        }
        return path;
    }

    private static void writeAt(Path path, long offset, ByteBuffer data) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(data, offset);
        }
    }

    private static ByteBuffer longLE(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
    }

    private static ByteBuffer intLE(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, v);
    }

    private static String attachError(Path path) {
        return assertThrows(ShmLruException.class, () -> ShmLru.attach(path, QUICK)).getMessage();
    }

    @Test
    void attachSeesWhatTheCreatorWrote() {
        Path path = table("ok.lru");
        try (ShmLru t = ShmLru.attach(path)) {
            assertArrayEquals(new byte[] {42}, t.get("kept"));
            assertFalse(t.created());
            assertEquals(ShmLruSettings.of(100, 64), t.settings());
        }
    }

    @Test
    void attachRefusesAMissingFile() {
        String message = attachError(shm.file("missing.lru"));
        assertTrue(message.contains("no table file"), message);
    }

    @Test
    void attachRefusesAForeignFile() throws IOException {
        Path path = shm.file("foreign.lru");
        Files.write(path, "this is somebody else's file, not a session table".repeat(20).getBytes());
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        String message = attachError(path);
        assertTrue(message.contains("is not a global-sessions table"), message);
        message = assertThrows(ShmLruException.class, () -> ShmLru.create(path, ShmLruSettings.of(10, 10), QUICK)).getMessage();
        assertTrue(message.contains("is not a global-sessions table"), message);
        assertTrue(new String(Files.readAllBytes(path)).startsWith("this is somebody"), "create must not overwrite it");
    }

    @Test
    void attachRefusesWrongMagic() throws IOException {
        Path path = table("magic.lru");
        writeAt(path, FileHeaderLayout.MAGIC_OFFSET, longLE(0x1122334455667788L));
        String message = attachError(path);
        assertTrue(message.contains("magic 0x1122334455667788, expected 0x55524c5353455347"), message);
    }

    @Test
    void attachRefusesOtherLayoutVersion() throws IOException {
        Path path = table("version.lru");
        writeAt(path, FileHeaderLayout.LAYOUT_VERSION_OFFSET, intLE(99));
        String message = attachError(path);
        assertTrue(message.contains("has layout version 99; this build reads version " + FileHeaderLayout.LAYOUT_VERSION), message);
    }

    @Test
    void attachRefusesATruncatedFile() throws IOException {
        Path path = table("truncated.lru");
        long size = Files.size(path);
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(size / 2);
        }
        String message = attachError(path);
        assertTrue(message.contains("is truncated: " + size / 2 + " bytes, but its header says " + size), message);

        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(100);
        }
        message = attachError(path);
        assertTrue(message.contains("not a global-sessions table") || message.contains("truncated"), message);
    }

    @Test
    void attachRefusesAnEmptyFileAfterWaiting() throws IOException {
        Path path = shm.file("empty.lru");
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        String message = attachError(path);
        assertTrue(message.contains("is truncated or was never initialised: 0 bytes"), message);
    }

    @Test
    void attachRefusesAScribbledHeader() throws IOException {
        Path path = table("crc.lru");
        writeAt(path, FileHeaderLayout.EL_COUNT_OFFSET, longLE(1_000_000));
        String message = attachError(path);
        assertTrue(message.contains("corrupt header: settings checksum mismatch"), message);
    }

    @Test
    void attachWaitsForAFileBeingInitialisedAndNamesTheInitialiser() throws IOException {
        Path path = table("busy.lru");
        writeAt(path, FileHeaderLayout.INIT_WORD_OFFSET, longLE(FileHeaderLayout.initWord(FileHeaderLayout.INIT_INITIALISING, 4242)));
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            assertTrue(lock.isValid());
            long start = System.nanoTime();
            String message = attachError(path);
            assertTrue(message.contains("is still being initialised by pid 4242 after 300 ms"), message);
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos(), "attach waits for the initialiser");
        }
    }

    @Test
    void halfInitialisedFileIsRefusedByAttachAndRedoneByCreate() throws IOException {
        Path path = table("half.lru");
        writeAt(path, FileHeaderLayout.INIT_WORD_OFFSET, longLE(FileHeaderLayout.initWord(FileHeaderLayout.INIT_INITIALISING, 4243)));
        String message = attachError(path);
        assertTrue(message.contains("is half-initialised: pid 4243 began creating it and died"), message);
        try (ShmLru t = ShmLru.create(path, ShmLruSettings.of(100, 64), QUICK)) {
            assertTrue(t.created(), "create takes over a file its dead creator left half done");
            assertNull(t.get("kept"));
            assertTrue(t.verify().ok());
        }
        try (ShmLru t = ShmLru.attach(path)) {
            assertEquals(0, t.stats().entries());
        }
    }

    @Test
    void attachRefusesAFileOtherUsersCanRead() throws IOException {
        Path path = table("perm.lru");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-r--"));
        String message = attachError(path);
        assertTrue(message.contains("has permissions rw-rw-r--, readable or writable by every user"), message);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        ShmLru.attach(path).close();
    }

    @Test
    void createRefusesAnExistingTableWithOtherSettings() {
        Path path = table("settings.lru");
        String message = assertThrows(ShmLruException.class, () -> ShmLru.create(path, ShmLruSettings.of(200, 64))).getMessage();
        assertTrue(message.contains("already holds a table with other settings (el_count=100"), message);
        try (ShmLru t = ShmLru.create(path, ShmLruSettings.of(100, 64))) {
            assertFalse(t.created(), "same settings: create attaches");
            assertArrayEquals(new byte[] {42}, t.get("kept"));
        }
    }

    @Test
    void threadsRacingToCreateInOneProcessInitialiseOnce() throws Exception {
        Path path = shm.file("threads.lru");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            var results = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    try (ShmLru t = ShmLru.create(path, ShmLruSettings.of(100, 64))) {
                        return t.created();
                    }
                }));
            }
            start.countDown();
            int created = 0;
            for (var r : results) {
                created += r.get() ? 1 : 0;
            }
            assertEquals(1, created);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void defaultPathIsInDevShmAndValidatesTheName() {
        assertEquals(Path.of("/dev/shm/global-sessions-edge-1.lru"), ShmLru.defaultPath("edge-1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShmLru.defaultPath("../etc"));
        assertTrue(e.getMessage().startsWith("table name=../etc"), e.getMessage());
    }

    @Test
    void readSettingsNeedsNoMapping() {
        Path path = table("settings-only.lru");
        assertEquals(ShmLruSettings.of(100, 64), ShmLru.readSettings(path));
    }

    /** Issue 22: a link could point the table at any file, e.g. one another user reads. */
    @Test
    void aSymbolicLinkIsRefusedByAttachAndCreate() throws IOException {
        Path real = table("real.lru");
        Path link = Files.createSymbolicLink(shm.file("link.lru"), real);
        assertTrue(attachError(link).contains("is a symbolic link"), attachError(link));
        String created = assertThrows(ShmLruException.class, () -> ShmLru.create(link, ShmLruSettings.of(100, 64), QUICK)).getMessage();
        assertTrue(created.contains("is a symbolic link"), created);
        Path dangling = Files.createSymbolicLink(shm.file("dangling.lru"), shm.file("nowhere.lru"));
        String made = assertThrows(ShmLruException.class, () -> ShmLru.create(dangling, ShmLruSettings.of(100, 64), QUICK)).getMessage();
        assertTrue(made.contains("is a symbolic link"), made);
        assertFalse(Files.exists(shm.file("nowhere.lru")), "nothing made where the link points");
    }

    /**
     * Issue 22: another local user could make a host's table in advance, to read or feed its
     * sessions. A table another user owns is refused, unless tables are shared with a group on
     * purpose and the file belongs to it. Changing a file's owner needs root (CI runs as root).
     */
    @Test
    void aTableAnotherUserOwnsIsRefusedUnlessSharedWithItsGroup() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "making a file another user owns needs root");
        Path path = table("foreign.lru");
        var lookup = path.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(path, lookup.lookupPrincipalByName("nobody"));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        String refused = attachError(path);
        assertTrue(refused.contains("belongs to user nobody") && refused.contains("not to this process's user"), refused);
        String notCreated = assertThrows(ShmLruException.class, () -> ShmLru.create(path, ShmLruSettings.of(100, 64), QUICK)).getMessage();
        assertTrue(notCreated.contains("belongs to user nobody"), notCreated);

        String group = Files.readAttributes(path, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        String otherGroup = assertThrows(ShmLruException.class,
                () -> ShmLru.attach(path, QUICK.withSharedGroup(group + "-not"))).getMessage();
        assertTrue(otherGroup.contains("not to the group tables are shared with"), otherGroup);
        try (ShmLru shared = ShmLru.attach(path, QUICK.withSharedGroup(group))) {
            assertArrayEquals(new byte[] {42}, shared.get("kept"), "shared on purpose with its group");
        }
    }

    /** Issue 22: a sparse table larger than its file system is made, then its processes die of SIGBUS as it fills. */
    @Test
    void aTableLargerThanItsFileSystemIsRefusedAndLeavesNoFile() {
        Path path = shm.file("huge.lru");
        String refused = assertThrows(ShmLruException.class,
                () -> ShmLru.create(path, ShmLruSettings.of(1_000_000_000L, 1024), QUICK)).getMessage();
        assertTrue(refused.contains("bytes free on its file system") && refused.matches("(?s).*needs \\d+ bytes, more than the \\d+ bytes free.*"),
                refused);
        assertFalse(Files.exists(path), "the refused table leaves no file behind");
    }
}
