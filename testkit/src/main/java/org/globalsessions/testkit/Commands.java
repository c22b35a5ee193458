package org.globalsessions.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Short commands that are not JVMs ({@code ip}, {@code kill}, {@code curl}): run to their end,
 * their output captured. Thread-safe: each call is its own process.
 */
public final class Commands {

    /** Threads that read children's and commands' output while they run (never the common pool, which blocked reads could starve). */
    static final Executor READERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "command-reader");
        thread.setDaemon(true);
        return thread;
    });

    private Commands() {
    }

    /** Runs {@code command} and returns its exit status, stdout and stderr; kills it after 30 s (exit -1). */
    public static ChildJvm.Result run(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            return new ChildJvm.Result(-1, "", "cannot run " + String.join(" ", command) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()), READERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()), READERS);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new ChildJvm.Result(-1, "", String.join(" ", command) + " did not end within 30 s");
            }
            return new ChildJvm.Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return new ChildJvm.Result(-1, "", "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return new ChildJvm.Result(-1, "", "cannot read the output of " + String.join(" ", command) + ": " + e);
        }
    }

    /** Runs {@code command}; fails with its stderr unless it exits 0. Returns its stdout. */
    public static String check(List<String> command) {
        ChildJvm.Result result = run(command);
        if (result.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + result.exit() + "): "
                    + result.err().strip());
        }
        return result.out();
    }

    static String readAll(InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
