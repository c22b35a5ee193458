package org.globalsessions.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The session ids the multi-process tests use, and a search of their processes' logs for them:
 * session ids are secrets, so no node or application may log one (issue 22: a tag, {@code s-…},
 * stands for it). Tests register every id they hand a process ({@link #key}), or the pattern of
 * a family of ids ({@link #prefix}, {@link #pattern}); whoever removes a run's log directory
 * first asks {@link #findIn} and fails the run on any hit. The registry is per JVM, so every run
 * is checked against every id the tests used so far.
 */
public final class LeakedIds {

    /**
     * Ids shorter than this, or made of letters only, are not searched for as such: they would
     * match ordinary words ("kept" did, in a lock recovery's message).
     */
    static final int SHORTEST = 6;
    private static final String BEFORE = "(?<![\\w-])";
    private static final String AFTER = "(?![\\w-])";
    private static final Set<String> alternatives = ConcurrentHashMap.newKeySet();

    private LeakedIds() {
    }

    /** A session id a test gave a process. */
    public static void key(String id) {
        if (id.length() >= SHORTEST && !id.chars().allMatch(Character::isLetter)) {
            alternatives.add(Pattern.quote(id));
        }
    }

    /** The ids {@code prefix-N} (N decimal), as the test clients make them in bulk. */
    public static void prefix(String prefix) {
        alternatives.add(Pattern.quote(prefix) + "-\\d+");
    }

    /** Ids matching {@code regex} (for example {@code g\d+-\d+}). */
    public static void pattern(String regex) {
        alternatives.add("(?:" + regex + ")");
    }

    /** Every line of the {@code *.log} files in {@code logs} naming a registered id, as {@code file:line: text}. */
    public static List<String> findIn(Path logs) {
        if (alternatives.isEmpty() || !Files.isDirectory(logs)) {
            return List.of();
        }
        Pattern any = Pattern.compile(BEFORE + "(?:" + String.join("|", alternatives) + ")" + AFTER);
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String line;
                    int number = 0;
                    while ((line = reader.readLine()) != null) {
                        number++;
                        Matcher m = any.matcher(line);
                        if (m.find()) {
                            found.add(file.getFileName() + ":" + number + ": " + line);
                        }
                    }
                } catch (java.nio.charset.MalformedInputException binary) {
                    // not text: nothing a logger wrote
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** The failure for lines {@link #findIn} found, listing up to 10 of them. */
    public static AssertionError failure(List<String> found) {
        return new AssertionError(found.size() + " log lines name a session id (ids are secrets: log a tag): "
                + found.stream().limit(10).collect(Collectors.joining("\n  ", "\n  ", "")));
    }
}
