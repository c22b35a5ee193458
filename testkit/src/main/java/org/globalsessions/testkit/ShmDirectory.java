package org.globalsessions.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh owner-only directory under /dev/shm for each test, deleted afterwards with whatever
 * table files the test left in it. Register with {@code @RegisterExtension}. {@link #create} and
 * {@link #delete} do the same for a directory that lives longer than one test (a cluster's).
 */
public final class ShmDirectory implements BeforeEachCallback, AfterEachCallback {

    /** Where shared-memory tables live on Linux; the temporary directory elsewhere. */
    private static final Path SHM = Path.of("/dev/shm");

    private Path directory;

    /** A new owner-only ({@code rwx------}) directory named {@code prefix…} under /dev/shm. */
    public static Path create(String prefix) {
        Path base = Files.isDirectory(SHM) ? SHM : Path.of(System.getProperty("java.io.tmpdir"));
        try {
            return Files.createTempDirectory(base, prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code directory} and everything in it; nothing if it does not exist. */
    public static void delete(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        directory = create("gs-test-");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        delete(directory);
    }

    /** The directory of the running test. */
    public Path path() {
        return directory;
    }

    public Path file(String name) {
        return directory.resolve(name);
    }
}
