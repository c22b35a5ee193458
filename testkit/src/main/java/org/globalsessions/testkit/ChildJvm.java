package org.globalsessions.testkit;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real JVM, started with this JVM's {@code java} and the Chronicle flags the build passes in
 * the system property {@code gs.jvm.flags} (or flags given explicitly), running a main class on
 * this JVM's class path or a jar; killed for real with {@link #kill()} ({@code destroyForcibly},
 * then reaped). This is the one child-JVM starter of the project's tests and benchmark.
 *
 * <p>Its stdout is either piped (read it with {@link #readLine}) or appended to a log file
 * together with stderr ({@link Builder#log}); its stdin can be written with {@link #writeLine}.
 *
 * <p>Thread-safety: one test thread drives a child; {@link #readLine(Duration)} reads on a helper
 * thread so that a silent child cannot hang the test.
 */
public final class ChildJvm implements AutoCloseable {

    /** The options the build gives every JVM that loads Chronicle Bytes (root pom: {@code chronicle.jvm.flags}). */
    public static List<String> buildFlags() {
        String flags = System.getProperty("gs.jvm.flags", "");
        if (flags.isBlank()) {
            throw new IllegalStateException("system property gs.jvm.flags is not set: run the tests through Maven");
        }
        return Arrays.asList(flags.trim().split("\\s+"));
    }

    /** Options for a small helper child: 128 MB heap, serial GC, C1 only (it starts in well under a second). */
    public static final List<String> SMALL = List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    /** Starts a {@link #SMALL} child running {@code main} with {@code args}; stderr goes to this JVM's. */
    public static ChildJvm start(Class<?> main, Object... args) {
        return mainClass(main).options(SMALL).args(args).start();
    }

    /** A child running {@code mainClass} from this JVM's class path. */
    public static Builder mainClass(Class<?> mainClass) {
        return mainClass(mainClass.getName());
    }

    /** A child running the class named {@code mainClass} from this JVM's class path. */
    public static Builder mainClass(String mainClass) {
        return new Builder(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    }

    /** A child running {@code java -jar jar}. */
    public static Builder jar(Path jar) {
        return new Builder(List.of("-jar", jar.toString()));
    }

    /** How to start a child; {@link #start()} or {@link #run(Duration)} it. */
    public static final class Builder {
        private final List<String> target;
        private final List<String> prefix = new ArrayList<>();
        private List<String> flags;
        private final List<String> options = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private Path directory;
        private Path log;
        private Path errorLog;

        private Builder(List<String> target) {
            this.target = target;
        }

        /** The Chronicle flags to use instead of {@link #buildFlags()} (a benchmark passes its own). */
        public Builder flags(List<String> jvmFlags) {
            this.flags = List.copyOf(jvmFlags);
            return this;
        }

        /**
         * A command the JVM runs under, e.g. {@code ip netns exec <namespace>} (a host of
         * {@link NetNamespaces}); it must exec the JVM in place, so that {@link #pid()} is the JVM's.
         */
        public Builder prefix(List<String> command) {
            prefix.addAll(command);
            return this;
        }

        /** JVM options ({@code -Xmx…}, {@code -XX:…}, {@code -D…}). */
        public Builder options(String... jvmOptions) {
            return options(Arrays.asList(jvmOptions));
        }

        public Builder options(List<String> jvmOptions) {
            options.addAll(jvmOptions);
            return this;
        }

        /** Program arguments, each as {@link String#valueOf}. */
        public Builder args(Object... arguments) {
            return args(Arrays.asList(arguments));
        }

        public Builder args(List<?> arguments) {
            arguments.forEach(a -> args.add(String.valueOf(a)));
            return this;
        }

        /** The child's working directory. */
        public Builder directory(Path workingDirectory) {
            this.directory = workingDirectory;
            return this;
        }

        /** Appends stdout and stderr to {@code file} (nothing to read then). */
        public Builder log(Path file) {
            this.log = file;
            return this;
        }

        /** Appends stderr to {@code file}, stdout stays piped; without this or {@link #log}, stderr goes to this JVM's. */
        public Builder errorLog(Path file) {
            this.errorLog = file;
            return this;
        }

        public List<String> command() {
            List<String> command = new ArrayList<>(prefix);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(flags != null ? flags : buildFlags());
            command.addAll(options);
            command.addAll(target);
            command.addAll(args);
            return command;
        }

        private ProcessBuilder processBuilder() {
            ProcessBuilder builder = new ProcessBuilder(command());
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            return builder;
        }

        public ChildJvm start() {
            ProcessBuilder builder = processBuilder();
            if (log != null) {
                builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            } else if (errorLog != null) {
                builder.redirectError(ProcessBuilder.Redirect.appendTo(errorLog.toFile()));
            } else {
                builder.redirectError(ProcessBuilder.Redirect.INHERIT);
            }
            try {
                return new ChildJvm(builder.start());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", target), e);
            }
        }

        /**
         * Runs the child to its end and returns what it printed and its exit status; kills it and
         * fails if it has not ended within {@code timeout}.
         */
        public Result run(Duration timeout) {
            Process process;
            try {
                process = processBuilder().start();
                process.getOutputStream().close(); // it reads nothing: end of input at once
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", target), e);
            }
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> Commands.readAll(process.getInputStream()), Commands.READERS);
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> Commands.readAll(process.getErrorStream()), Commands.READERS);
            ChildJvm child = new ChildJvm(process);
            int exit = child.waitFor(timeout);
            try {
                return new Result(exit, out.get(), err.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (ExecutionException e) {
                throw new AssertionError(e.getCause());
            }
        }
    }

    /** What a child that ran to its end printed, and its exit status. */
    public record Result(int exit, String out, String err) {
    }

    private final Process process;
    private final BufferedReader out;
    private final BufferedWriter in;

    private ChildJvm(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status; the child must have ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** The next line the child printed, or null at its end. */
    public String readLine() {
        try {
            return out.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next line the child printed, or null at its end or if it printed none within {@code timeout}. */
    public String readLine(Duration timeout) {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }, Commands.READERS);
        try {
            return line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /** Writes {@code line} to the child's stdin. */
    public void writeLine(String line) {
        try {
            in.write(line);
            in.newLine();
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("child " + pid() + " is gone", e);
        }
    }

    /** Closes the child's stdin: a child that reads it until its end takes this as "stop". */
    public void closeInput() {
        try {
            in.close();
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    /** Whether the child exits within {@code timeout} (it is left running if not). */
    public boolean exits(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL, then reap it so its pid is really gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the child stops running (and answering) until {@link #resume()}. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        ChildJvm.Result result = Commands.run(List.of("kill", "-" + name, Long.toString(pid())));
        if (result.exit() != 0 && process.isAlive()) {
            throw new IllegalStateException("kill -" + name + " " + pid() + " failed: " + result.err());
        }
    }

    /** SIGTERM, without waiting (several children can stop at once; {@link #stop} them after). */
    public void terminate() {
        process.destroy();
    }

    /**
     * SIGTERM, then SIGKILL if it has not exited within {@code grace}; reaps it and returns its
     * exit status (-1 if interrupted).
     */
    public int stop(Duration grace) {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Waits for the child to exit and returns its status; kills it and fails if it takes longer than {@code timeout}. */
    public int waitFor(Duration timeout) {
        if (!exits(timeout)) {
            kill();
            throw new AssertionError("child " + pid() + " did not finish within " + timeout.toSeconds() + " s");
        }
        return process.exitValue();
    }

    /** Kills the child if it still runs, and closes its streams. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // the process is gone
        }
    }
}
