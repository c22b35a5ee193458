package org.globalsessions.it.nemesis;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The history of the nemesis suite: every operation a process did, written by that process to
 * an append-only file of its own, one tab-separated line per event:
 * <pre>
 *   invoke  ID  NANOS  HOST  PROCESS  KIND  KEY  VALUE      (KIND: write, read, delete; VALUE "-" if none)
 *   ok      ID  NANOS  RESULT                                (write: the version; read: "found VALUE TIER" or "absent")
 *   fail    ID  NANOS  ERROR                                 (the exception's type and message)
 * </pre>
 * An {@code invoke} with no completion line is an operation of unknown outcome (its process was
 * killed, or the call never returned). Times are {@link System#nanoTime()}: CLOCK_MONOTONIC, one
 * clock for every process and namespace on the machine, so the files of all processes merge into
 * one timeline. A completion may come after the caller stopped waiting: it is recorded when it
 * happens.
 */
public final class History {

    /** The processes' histories are {@code *.history} files in one directory. */
    public static final String SUFFIX = ".history";

    public enum Kind { WRITE, READ, DELETE }

    public enum Outcome { OK, FAIL, UNKNOWN }

    /**
     * One operation. {@code end} is {@link Long#MAX_VALUE} when the outcome is unknown; {@code found}
     * is the value a successful read returned, null if it found nothing (or was not a read).
     */
    public record Op(String id, String host, String process, Kind kind, String key, String value,
                     long start, long end, Outcome outcome, String found, String result) {

        public boolean ok() {
            return outcome == Outcome.OK;
        }

        @Override
        public String toString() {
            return process + "@" + host + " " + kind.name().toLowerCase() + " " + key
                    + (value != null ? " " + value : "") + " -> " + outcome.name().toLowerCase()
                    + (result != null ? " " + result : "") + " [" + start + ", " + (end == Long.MAX_VALUE ? "?" : end) + "]";
        }
    }

    private History() {
    }

    /** Appends one process's events to its file. Thread-safe; each line is flushed as written. */
    public static final class Recorder implements AutoCloseable {
        private final BufferedWriter out;
        private final String host;
        private final String process;
        private final String idPrefix;
        private final AtomicLong next = new AtomicLong();

        public Recorder(Path file, String host, String process) {
            this.host = host;
            this.process = process;
            // A restarted process appends to the same file: the pid keeps its ids apart from its predecessor's.
            this.idPrefix = process + "." + ProcessHandle.current().pid() + ".";
            try {
                this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Records the invocation and returns the operation's id. */
        public String invoke(Kind kind, String key, String value) {
            String id = idPrefix + next.getAndIncrement();
            write(String.join("\t", "invoke", id, Long.toString(System.nanoTime()), host, process,
                    kind.name().toLowerCase(), key, value == null ? "-" : value));
            return id;
        }

        public void ok(String id, String result) {
            write(String.join("\t", "ok", id, Long.toString(System.nanoTime()), clean(result)));
        }

        public void fail(String id, Throwable error) {
            write(String.join("\t", "fail", id, Long.toString(System.nanoTime()),
                    clean(error.getClass().getSimpleName() + " " + error.getMessage())));
        }

        private static String clean(String text) {
            return String.valueOf(text).replace('\t', ' ').replace('\n', ' ');
        }

        private synchronized void write(String line) {
            try {
                out.write(line);
                out.newLine();
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Every operation in the {@code *.history} files of {@code directory}. */
    public static List<Op> read(Path directory) {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                lines.addAll(Files.readAllLines(file, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parse(lines);
    }

    /** The operations the lines describe (a torn last line of a killed process is skipped). */
    public static List<Op> parse(List<String> lines) {
        Map<String, String[]> invokes = new LinkedHashMap<>();
        Map<String, String[]> completions = new LinkedHashMap<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("invoke") && f.length == 8) {
                invokes.put(f[1], f);
            } else if ((f[0].equals("ok") || f[0].equals("fail")) && f.length == 4) {
                completions.put(f[1], f);
            }
        }
        List<Op> ops = new ArrayList<>(invokes.size());
        invokes.forEach((id, f) -> {
            String[] c = completions.get(id);
            Kind kind = Kind.valueOf(f[5].toUpperCase());
            Outcome outcome = c == null ? Outcome.UNKNOWN : c[0].equals("ok") ? Outcome.OK : Outcome.FAIL;
            String result = c == null ? null : c[3];
            String found = outcome == Outcome.OK && kind == Kind.READ && result.startsWith("found ") ? result.split(" ")[1] : null;
            ops.add(new Op(id, f[3], f[4], kind, f[6], f[7].equals("-") ? null : f[7], Long.parseLong(f[2]),
                    c == null ? Long.MAX_VALUE : Long.parseLong(c[2]), outcome, found, result));
        });
        return ops;
    }
}
