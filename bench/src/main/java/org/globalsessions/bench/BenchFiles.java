package org.globalsessions.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Table files of the benchmarks: all in /dev/shm, named {@code gs-bench-*}, removed in tear-down. */
public final class BenchFiles {

    public static final Path DIRECTORY = Path.of("/dev/shm");
    public static final String PREFIX = "gs-bench-";

    private BenchFiles() {
    }

    /** A fresh path {@code /dev/shm/gs-bench-<what>-<entries>-<pid>.<extension>}; an old file there is removed. */
    public static Path fresh(String what, long entries, String extension) {
        Path path = DIRECTORY.resolve(PREFIX + what + "-" + entries + "-" + ProcessHandle.current().pid() + "." + extension);
        delete(path);
        return path;
    }

    public static void delete(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
