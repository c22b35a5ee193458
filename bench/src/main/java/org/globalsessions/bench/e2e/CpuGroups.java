package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The cgroup v1 groups of {@code --cpu-budget} ({@link CpuBudget}): the load generator's JVM in a
 * cpuset group on CPU {@value #LOAD_GENERATOR_CPU}, every node JVM of a cluster in a cpuset group
 * on CPU {@value #NODE_CPU} and each in a {@code cpu} group of its own with its CFS quota. This
 * machine has cgroup v1 only ({@code /sys/fs/cgroup/cpu} and {@code /sys/fs/cgroup/cpuset}; no v2
 * {@code cpu.max}) and PID 1 is not systemd, so the groups are made by hand, as root.
 *
 * <p>Every group is named {@code gs-bench-<load generator pid>-<cluster>-<what>}, e.g.
 * {@code gs-bench-4242-relief-2-e1}, so that two runs cannot collide and what a run left behind
 * can be found ({@code run-e2e.sh} removes its run's after it). A whole JVM moves by writing its
 * pid to a group's {@code cgroup.procs} (every thread goes, and threads it starts later follow);
 * a cpuset group needs {@code cpuset.cpus} and {@code cpuset.mems} before it takes a task.
 * {@link Confinement#close} moves what is left in its groups back to the root groups and removes
 * them, newest first; {@link #close} does it for every group still there (the shutdown hook).
 *
 * <p>Thread-safety: {@link #confine} from one thread; {@link #close} may run at the same time
 * from a shutdown hook, so the list of groups is synchronized.
 */
final class CpuGroups implements AutoCloseable {

    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final int LOAD_GENERATOR_CPU = 0;
    static final int NODE_CPU = 1;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String PROCS = "cgroup.procs";

    /**
     * What the groups are made with: the kernel's cgroup file system, or a test's stand-in (a
     * plain directory neither creates the control files on mkdir nor moves a pid out of its old
     * group when it is written to another's {@code cgroup.procs}).
     */
    interface Fs {
        void mkdir(Path group) throws IOException;

        /** Writes {@code value} to an existing control file in one write (one pid per write for {@code cgroup.procs}). */
        void write(Path file, String value) throws IOException;

        void rmdir(Path group) throws IOException;

        Fs KERNEL = new Fs() {
            @Override
            public void mkdir(Path group) throws IOException {
                Files.createDirectory(group);
            }

            @Override
            public void write(Path file, String value) throws IOException {
                Files.writeString(file, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            }

            @Override
            public void rmdir(Path group) throws IOException {
                Files.delete(group); // rmdir(2): the control files go with it
            }
        };
    }

    /** One group this object made: {@code hierarchy} is {@code cpu} or {@code cpuset}. */
    record Group(String hierarchy, String name) {
    }

    private final Path root;
    private final Fs fs;
    private final String prefix;
    private final List<Group> groups = Collections.synchronizedList(new ArrayList<>());

    CpuGroups(Path root, Fs fs, long loadGeneratorPid) {
        this.root = root;
        this.fs = fs;
        this.prefix = "gs-bench-" + loadGeneratorPid;
    }

    /**
     * The groups of this JVM on this machine; refuses, naming everything that is missing, unless
     * it runs as root and both controllers are mounted with CPUs 0 and 1.
     */
    static CpuGroups open() throws IOException {
        List<String> missing = missing(CGROUP_ROOT, Files.readString(Path.of("/proc/self/status")));
        if (!missing.isEmpty()) {
            throw new IllegalStateException("--cpu-budget needs root and cgroup v1's cpu and cpuset controllers under "
                    + CGROUP_ROOT + "; missing: " + String.join("; ", missing));
        }
        return new CpuGroups(CGROUP_ROOT, Fs.KERNEL, ProcessHandle.current().pid());
    }

    /** What {@link #open} needs and this machine lacks, given the cgroup root and {@code /proc/self/status}'s text. */
    static List<String> missing(Path root, String procSelfStatus) throws IOException {
        List<String> missing = new ArrayList<>();
        long uid = effectiveUid(procSelfStatus);
        if (uid != 0) {
            missing.add("root (the effective uid is " + uid + ")");
        }
        for (String file : List.of("cpu/" + PROCS, "cpu/cpu.cfs_period_us", "cpu/cpu.cfs_quota_us",
                "cpuset/" + PROCS, "cpuset/cpuset.cpus", "cpuset/cpuset.mems")) {
            if (!Files.isRegularFile(root.resolve(file))) {
                missing.add(root.resolve(file) + " (cgroup v1 controller " + file.substring(0, file.indexOf('/')) + ")");
            }
        }
        Path cpus = root.resolve("cpuset/cpuset.cpus");
        if (Files.isRegularFile(cpus)) {
            Set<Integer> have = cpuList(Files.readString(cpus));
            if (!have.contains(LOAD_GENERATOR_CPU) || !have.contains(NODE_CPU)) {
                missing.add("CPUs " + LOAD_GENERATOR_CPU + " and " + NODE_CPU + " in " + cpus + " (it has '"
                        + Files.readString(cpus).trim() + "')");
            }
        }
        return missing;
    }

    /** The effective uid of a {@code /proc/PID/status} text (its {@code Uid:} line: real, effective, saved, fs). */
    static long effectiveUid(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("Uid:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IllegalArgumentException("no Uid: line in procStatus=" + procStatus);
    }

    /** A cpuset list such as {@code 0-1}, {@code 0,2-3} or an empty line, as a set of CPU numbers. */
    static Set<Integer> cpuList(String list) {
        Set<Integer> cpus = new TreeSet<>();
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] range = part.trim().split("-", 2);
            int from = Integer.parseInt(range[0]);
            int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
            for (int cpu = from; cpu <= to; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }

    /** {@code gs-bench-<pid>}: the start of every group's name. */
    String prefix() {
        return prefix;
    }

    /** The groups made and not yet removed, oldest first. */
    List<Group> groups() {
        synchronized (groups) {
            return List.copyOf(groups);
        }
    }

    /**
     * Confines cluster {@code cluster}: the load generator to CPU 0, each of {@code nodes} to CPU 1
     * with its quota from {@code budget}. Undone by closing the result; if a step fails, what was
     * done is undone before the failure is thrown.
     */
    Confinement confine(String cluster, CpuBudget budget, List<CpuUse.Member> nodes, CpuUse.Member loadGenerator) {
        checkName("cluster", cluster);
        int first = groups().size();
        Confinement confinement = new Confinement(first);
        try {
            Group generator = cpuset(cluster + "-load-generator", LOAD_GENERATOR_CPU);
            move(generator, loadGenerator.pid());
            Group onNodeCpu = cpuset(cluster + "-nodes", NODE_CPU);
            for (CpuUse.Member node : nodes) {
                checkName("node", node.name());
                move(onNodeCpu, node.pid());
                Group quota = make(new Group("cpu", prefix + "-" + cluster + "-" + node.name()));
                write(quota, "cpu.cfs_period_us", Long.toString(CpuBudget.PERIOD_MICROS));
                write(quota, "cpu.cfs_quota_us", Long.toString(budget.quotaMicros(node.role())));
                move(quota, node.pid());
            }
            return confinement;
        } catch (IOException | RuntimeException e) {
            try {
                confinement.close();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e instanceof IOException io ? new UncheckedIOException("cannot confine cluster " + cluster, io)
                    : (RuntimeException) e;
        }
    }

    /** The groups one {@link #confine} made; closing it removes them. */
    final class Confinement implements AutoCloseable {
        private final int first;

        private Confinement(int first) {
            this.first = first;
        }

        @Override
        public void close() {
            removeFrom(first);
        }
    }

    /** Removes every group still there, newest first (the shutdown hook's work; a second call does nothing). */
    @Override
    public void close() {
        removeFrom(0);
    }

    private void removeFrom(int first) {
        List<String> failures = new ArrayList<>();
        while (true) {
            Group group;
            synchronized (groups) {
                if (groups.size() <= first) {
                    break;
                }
                group = groups.remove(groups.size() - 1);
            }
            try {
                remove(group);
            } catch (IOException | RuntimeException e) {
                failures.add(path(group) + ": " + e);
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("cannot remove cgroup(s), remove them by hand (move their cgroup.procs to the "
                    + "root group's, then rmdir): " + String.join("; ", failures));
        }
    }

    /** Moves every process left in {@code group} to its hierarchy's root group, then removes it. */
    private void remove(Group group) throws IOException {
        Path dir = path(group);
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path rootProcs = root.resolve(group.hierarchy()).resolve(PROCS);
        for (String pid : Files.readAllLines(dir.resolve(PROCS))) {
            if (!pid.isBlank()) {
                try {
                    fs.write(rootProcs, pid.trim());
                } catch (IOException e) {
                    // ESRCH: it exited since the list was read; rmdir below says if anything is really left
                }
            }
        }
        fs.rmdir(dir);
    }

    private Group cpuset(String suffix, int cpu) throws IOException {
        Group group = make(new Group("cpuset", prefix + "-" + suffix));
        write(group, "cpuset.cpus", Integer.toString(cpu));
        write(group, "cpuset.mems", Files.readString(root.resolve("cpuset/cpuset.mems")).trim());
        return group;
    }

    private Group make(Group group) throws IOException {
        fs.mkdir(path(group));
        groups.add(group);
        return group;
    }

    private void move(Group group, long pid) throws IOException {
        write(group, PROCS, Long.toString(pid));
    }

    private void write(Group group, String file, String value) throws IOException {
        try {
            fs.write(path(group).resolve(file), value);
        } catch (IOException e) {
            throw new IOException("cannot write " + value + " to " + path(group).resolve(file) + ": " + e, e);
        }
    }

    Path path(Group group) {
        return root.resolve(group.hierarchy()).resolve(group.name());
    }

    private static void checkName(String what, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + "=" + name + " is not a cgroup name part ([A-Za-z0-9._-]+)");
        }
    }
}
