package org.globalsessions.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/** Log files of child processes: their tails for a failure message, and keeping them after a failed test. */
public final class Logs {

    private Logs() {
    }

    /** The last {@code lines} lines of {@code file}, or why there are none. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Copies every file of {@code logs} to {@code target/it-logs/<name>/} (relative to the module
     * being tested), so that a failed run leaves what explains it; returns where, or null.
     */
    public static Path keep(Path logs, String name) {
        Path kept = Path.of("target", "it-logs", name);
        try (Stream<Path> files = Files.list(logs)) {
            Files.createDirectories(kept);
            for (Path file : files.toList()) {
                Files.copy(file, kept.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            System.err.println("---- all logs kept in " + kept.toAbsolutePath() + " ----");
            return kept;
        } catch (IOException e) {
            System.err.println("could not keep the logs in " + kept.toAbsolutePath() + ": " + e);
            return null;
        }
    }
}
