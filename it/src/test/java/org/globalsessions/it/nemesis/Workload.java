package org.globalsessions.it.nemesis;

import java.util.ArrayList;
import java.util.List;

/**
 * The nemesis workload's schedule, a pure function of time shared by every application process
 * (time is {@code System.nanoTime()} minus the run's start, the same clock in every process).
 *
 * <p>Every {@value #GENERATION_MS} ms a generation of {@value #KEYS_PER_GENERATION} session ids
 * begins; an id lives {@value #LIFE_MS} ms. Relative to its generation's start: its writer
 * writes it in [0, 1.2 s); every process reads it from 0.2 s on; ids with an even index are
 * deleted (logged out) at {@value #DELETE_AT_MS} ms by a process on another host (retried for
 * 4.5 s until acknowledged); around that
 * time (3.4–4.6 s) a racer, on a third process, writes it again (a request racing the logout, or
 * an update of an id that stays). Writer, deleter and racer rotate over the processes, so each
 * process writes, deletes and races, and sessions are written on one host, read on every host
 * and deleted on another.
 */
public final class Workload {

    static final long GENERATION_MS = 1_500;
    static final int KEYS_PER_GENERATION = 4;
    static final long LIFE_MS = 9_000;
    static final long DELETE_AT_MS = 4_000;
    private static final long WRITE_UNTIL_MS = 1_200;
    private static final long READ_FROM_MS = 200;
    private static final long RACE_FROM_MS = 3_400;
    private static final long RACE_SPAN_MS = 1_200;
    private static final long LATE_MS = 1_500;
    /** A logout is retried until it is acknowledged, for this long. */
    private static final long DELETE_RETRIES_MS = 4_500;

    public enum Action { WRITE, DELETE, RACE }

    /** An action of one process on one id, due at {@code atMillis} after the run's start. */
    public record Due(Action action, String key, long atMillis) {
    }

    private final int processes;

    /** @param processes how many application processes share the schedule (two or more hosts' worth) */
    public Workload(int processes) {
        if (processes < 3) {
            throw new IllegalArgumentException("processes=" + processes + ": writer, deleter and racer need 3");
        }
        this.processes = processes;
    }

    public static String key(long generation, int index) {
        return "g" + generation + "-" + index;
    }

    /** The ids {@link #key} makes, for the search of the logs ({@code LeakedIds}). */
    public static final String KEY_PATTERN = "g\\d+-\\d+";

    static int writer(long generation, int index, int processes) {
        return (int) ((generation * KEYS_PER_GENERATION + index) % processes);
    }

    /** Half the processes on: with processes spread evenly over two hosts, the other host. */
    static int deleter(long generation, int index, int processes) {
        return (writer(generation, index, processes) + processes / 2) % processes;
    }

    static int racer(long generation, int index, int processes) {
        int racer = (deleter(generation, index, processes) + 1) % processes;
        return racer == writer(generation, index, processes) ? (racer + 1) % processes : racer;
    }

    static boolean deleted(int index) {
        return index % 2 == 0;
    }

    static long raceAt(long generation, int index) {
        return RACE_FROM_MS + Math.floorMod(generation * 7919 + index * 104729, RACE_SPAN_MS);
    }

    /**
     * What process {@code me} should do now ({@code nowMillis} after the start) in generations
     * that began before {@code endMillis}: actions whose time has come and is not more than
     * 1.5 s past (4.5 s for a delete; a process that was paused or restarted skips what it missed).
     */
    public List<Due> due(int me, long nowMillis, long endMillis) {
        List<Due> due = new ArrayList<>();
        for (long g = Math.max(0, (nowMillis - LIFE_MS) / GENERATION_MS); g * GENERATION_MS <= nowMillis; g++) {
            long start = g * GENERATION_MS;
            if (start >= endMillis) {
                break;
            }
            for (int j = 0; j < KEYS_PER_GENERATION; j++) {
                if (writer(g, j, processes) == me) {
                    add(due, Action.WRITE, g, j, start, 0, WRITE_UNTIL_MS, nowMillis);
                }
                if (deleted(j) && deleter(g, j, processes) == me) {
                    add(due, Action.DELETE, g, j, start, DELETE_AT_MS, DELETE_AT_MS + DELETE_RETRIES_MS, nowMillis);
                }
                if (racer(g, j, processes) == me) {
                    long at = raceAt(g, j);
                    add(due, Action.RACE, g, j, start, at, at + LATE_MS, nowMillis);
                }
            }
        }
        return due;
    }

    private static void add(List<Due> due, Action action, long g, int j, long start, long from, long until, long now) {
        if (now >= start + from && now < start + until) {
            due.add(new Due(action, key(g, j), start + from));
        }
    }

    /** The ids a reader may read now: those of live generations past their first 0.2 s. */
    public List<String> readable(long nowMillis, long endMillis) {
        List<String> keys = new ArrayList<>();
        for (long g = Math.max(0, (nowMillis - LIFE_MS) / GENERATION_MS); g * GENERATION_MS + READ_FROM_MS <= nowMillis; g++) {
            if (g * GENERATION_MS >= endMillis) {
                break;
            }
            for (int j = 0; j < KEYS_PER_GENERATION; j++) {
                keys.add(key(g, j));
            }
        }
        return keys;
    }
}
