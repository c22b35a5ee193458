package org.globalsessions.launcher;

import java.io.PrintWriter;

import picocli.CommandLine;

import org.globalsessions.runtime.config.SettingsException;
import org.globalsessions.shm.ShmLruException;

/**
 * The {@code global-sessions} command. Exit codes: 0 done, 1 failed (a node or request could
 * not do its job), 2 bad usage or configuration, 3 a node the cluster removed (downed) while it
 * ran; every failure prints one line saying what was
 * wrong and what to do ({@code --verbose} adds the stack trace).
 */
public final class Main {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    /** A node the cluster removed (downed): a supervisor should start it again. */
    public static final int REMOVED = 3;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new GlobalSessionsCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            PrintWriter err = commandLine.getErr();
            boolean verbose = parsed.hasMatchedOption("--verbose")
                    || parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (e instanceof SettingsException || e instanceof IllegalArgumentException) {
                err.println("global-sessions: " + e.getMessage());
                if (verbose) {
                    e.printStackTrace(err);
                }
                return USAGE;
            }
            err.println("global-sessions: " + (e instanceof ShmLruException || e instanceof CommandFailure
                    ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage()));
            if (verbose) {
                e.printStackTrace(err);
            }
            return FAILED;
        });
        return cli.execute(args);
    }

    /** A command that could not do its job, with the message to print. */
    static final class CommandFailure extends RuntimeException {
        CommandFailure(String message) {
            super(message);
        }

        CommandFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
