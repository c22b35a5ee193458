package org.globalsessions.shm;

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
 * table files the test left in it. Register with {@code @RegisterExtension}.
 */
public final class ShmDirectory implements BeforeEachCallback, AfterEachCallback {

    private Path directory;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        Path base = Files.isDirectory(ShmLru.DEFAULT_DIRECTORY) ? ShmLru.DEFAULT_DIRECTORY : Path.of(System.getProperty("java.io.tmpdir"));
        directory = Files.createTempDirectory(base, "gs-test-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    public Path file(String name) {
        return directory.resolve(name);
    }
}
