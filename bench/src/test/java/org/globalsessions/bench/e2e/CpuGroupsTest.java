package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuGroupsTest {

    private static final long LOAD_GENERATOR = 100;
    private static final CpuUse.Member GENERATOR = new CpuUse.Member("load-generator", CpuUse.Role.LOAD_GENERATOR, LOAD_GENERATOR);
    private static final List<CpuUse.Member> NODES = List.of(new CpuUse.Member("r1", CpuUse.Role.RELAY, 201),
            new CpuUse.Member("e1", CpuUse.Role.EXPANSION, 202), new CpuUse.Member("e2", CpuUse.Role.EXPANSION, 203),
            new CpuUse.Member("a1", CpuUse.Role.AGING, 204));
    private static final CpuBudget BUDGET = new CpuBudget(65, 10, 5);

    @TempDir
    Path root;
    private FakeCgroupFs fs;
    private CpuGroups groups;

    /**
     * A cgroup v1 file system in a plain directory: mkdir makes a group's control files, a pid
     * written to a {@code cgroup.procs} leaves every other group of the hierarchy, a cpuset group
     * takes no task before its cpus and mems are set, rmdir refuses a group with tasks, a control
     * file cannot be created, and a pid listed in {@link #unmovable} cannot be moved.
     */
    static final class FakeCgroupFs implements CpuGroups.Fs {
        final List<String> unmovable = new ArrayList<>();

        @Override
        public void mkdir(Path group) throws IOException {
            Files.createDirectory(group);
            Files.writeString(group.resolve("cgroup.procs"), "");
            if (group.getParent().getFileName().toString().equals("cpu")) {
                Files.writeString(group.resolve("cpu.cfs_period_us"), "100000\n");
                Files.writeString(group.resolve("cpu.cfs_quota_us"), "-1\n");
            } else {
                Files.writeString(group.resolve("cpuset.cpus"), "\n");
                Files.writeString(group.resolve("cpuset.mems"), "\n");
            }
        }

        @Override
        public void write(Path file, String value) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString());
            }
            if (!file.getFileName().toString().equals("cgroup.procs")) {
                Files.writeString(file, value + "\n");
                return;
            }
            Path group = file.getParent();
            if (unmovable.contains(value)) {
                throw new IOException("Invalid argument");
            }
            if (Files.exists(group.resolve("cpuset.cpus")) && (Files.readString(group.resolve("cpuset.cpus")).isBlank()
                    || Files.readString(group.resolve("cpuset.mems")).isBlank())) {
                throw new IOException("No space left on device");
            }
            Path hierarchy = Files.exists(group.resolve("tasks")) ? group : group.getParent();
            for (Path procs : procsFiles(hierarchy)) {
                List<String> pids = new ArrayList<>(Files.readAllLines(procs));
                pids.remove(value);
                Files.write(procs, pids);
            }
            Files.writeString(file, value + "\n", java.nio.file.StandardOpenOption.APPEND);
        }

        @Override
        public void rmdir(Path group) throws IOException {
            if (!Files.readString(group.resolve("cgroup.procs")).isBlank()) {
                throw new IOException("Device or resource busy");
            }
            try (Stream<Path> files = Files.list(group)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(group);
        }

        private static List<Path> procsFiles(Path hierarchy) throws IOException {
            try (Stream<Path> walk = Files.walk(hierarchy)) {
                return walk.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList();
            }
        }
    }

    @BeforeEach
    void machine() throws IOException {
        Files.createDirectories(root.resolve("cpu"));
        Files.createDirectories(root.resolve("cpuset"));
        for (String hierarchy : List.of("cpu", "cpuset")) {
            Files.writeString(root.resolve(hierarchy).resolve("tasks"), "");
            Files.write(root.resolve(hierarchy).resolve("cgroup.procs"), List.of("1", "100", "201", "202", "203", "204"));
        }
        Files.writeString(root.resolve("cpu/cpu.cfs_period_us"), "100000\n");
        Files.writeString(root.resolve("cpu/cpu.cfs_quota_us"), "-1\n");
        Files.writeString(root.resolve("cpuset/cpuset.cpus"), "0-1\n");
        Files.writeString(root.resolve("cpuset/cpuset.mems"), "0\n");
        fs = new FakeCgroupFs();
        groups = new CpuGroups(root, fs, LOAD_GENERATOR);
    }

    private String read(String file) throws IOException {
        return Files.readString(root.resolve(file)).trim();
    }

    private List<String> groupsOnDisk() throws IOException {
        try (Stream<Path> walk = Files.walk(root, 2)) {
            return walk.filter(Files::isDirectory).map(p -> root.relativize(p).toString()).filter(p -> p.contains("gs-bench"))
                    .sorted(Comparator.naturalOrder()).toList();
        }
    }

    @Test
    void confinePutsTheLoadGeneratorOnCpuZeroAndEachNodeUnderItsOwnQuotaOnCpuOne() throws IOException {
        groups.confine("relief-2", BUDGET, NODES, GENERATOR);
        assertEquals(List.of("cpu/gs-bench-100-relief-2-a1", "cpu/gs-bench-100-relief-2-e1", "cpu/gs-bench-100-relief-2-e2",
                "cpu/gs-bench-100-relief-2-r1", "cpuset/gs-bench-100-relief-2-load-generator", "cpuset/gs-bench-100-relief-2-nodes"),
                groupsOnDisk());
        assertEquals("0", read("cpuset/gs-bench-100-relief-2-load-generator/cpuset.cpus"));
        assertEquals("100", read("cpuset/gs-bench-100-relief-2-load-generator/cgroup.procs"));
        assertEquals("1", read("cpuset/gs-bench-100-relief-2-nodes/cpuset.cpus"));
        assertEquals("0", read("cpuset/gs-bench-100-relief-2-nodes/cpuset.mems"));
        assertEquals("201\n202\n203\n204", read("cpuset/gs-bench-100-relief-2-nodes/cgroup.procs"));
        assertEquals("1", read("cpuset/cgroup.procs"), "only what was not ours stays in the root group");
        assertEquals("65000", read("cpu/gs-bench-100-relief-2-r1/cpu.cfs_quota_us"));
        assertEquals("100000", read("cpu/gs-bench-100-relief-2-r1/cpu.cfs_period_us"));
        assertEquals("10000", read("cpu/gs-bench-100-relief-2-e2/cpu.cfs_quota_us"));
        assertEquals("203", read("cpu/gs-bench-100-relief-2-e2/cgroup.procs"));
        assertEquals("5000", read("cpu/gs-bench-100-relief-2-a1/cpu.cfs_quota_us"));
        assertEquals("1\n100", read("cpu/cgroup.procs"), "the load generator has no quota");
    }

    @Test
    void closingAConfinementMovesEveryTaskBackAndRemovesItsGroups() throws IOException {
        try (CpuGroups.Confinement confined = groups.confine("relief-1", BUDGET, NODES.subList(0, 2), GENERATOR)) {
            assertEquals(2 + 2, groups.groups().size(), "two cpuset groups and a cpu group per node");
        }
        assertEquals(List.of(), groupsOnDisk());
        assertEquals(List.of(), groups.groups());
        assertEquals(Set.of("1", "100", "201", "202", "203", "204"), Set.copyOf(Files.readAllLines(root.resolve("cpuset/cgroup.procs"))));
        assertEquals(Set.of("1", "100", "201", "202", "203", "204"), Set.copyOf(Files.readAllLines(root.resolve("cpu/cgroup.procs"))));
    }

    @Test
    void closeRemovesEveryGroupStillThereAndASecondCloseDoesNothing() throws IOException {
        groups.confine("relief-1", BUDGET, NODES.subList(0, 2), GENERATOR);
        groups.confine("relief-2", BUDGET, NODES.subList(0, 3), GENERATOR);
        assertEquals(4 + 5, groups.groups().size());
        groups.close();
        assertEquals(List.of(), groupsOnDisk());
        groups.close();
    }

    @Test
    void aConfinementThatFailsHalfwayUndoesWhatItDid() throws IOException {
        List<CpuUse.Member> nodes = List.of(NODES.get(0), new CpuUse.Member("e 1", CpuUse.Role.EXPANSION, 202));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> groups.confine("relief-1", BUDGET, nodes, GENERATOR));
        assertTrue(e.getMessage().contains("node=e 1"), e.getMessage());
        assertEquals(List.of(), groupsOnDisk());
        assertThrows(IllegalArgumentException.class, () -> groups.confine("relief 1", BUDGET, NODES, GENERATOR));
        assertEquals(List.of(), groupsOnDisk());
    }

    @Test
    void aGroupThatCannotBeEmptiedIsNamedAndTheOthersAreStillRemoved() throws IOException {
        groups.confine("relief-1", BUDGET, NODES.subList(0, 2), GENERATOR);
        fs.unmovable.add("202");
        IllegalStateException e = assertThrows(IllegalStateException.class, groups::close);
        assertTrue(e.getMessage().contains(root.resolve("cpuset/gs-bench-100-relief-1-nodes").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(root.resolve("cpu/gs-bench-100-relief-1-e1").toString()), e.getMessage());
        assertEquals(List.of("cpu/gs-bench-100-relief-1-e1", "cpuset/gs-bench-100-relief-1-nodes"), groupsOnDisk());
    }

    @Test
    void missingNamesRootAndEveryAbsentControlFile(@TempDir Path empty) throws IOException {
        String status = "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n";
        List<String> missing = CpuGroups.missing(empty, status);
        assertEquals("root (the effective uid is 1000)", missing.get(0));
        assertEquals(1 + 6, missing.size(), missing.toString());
        assertTrue(missing.contains(empty.resolve("cpu/cpu.cfs_quota_us") + " (cgroup v1 controller cpu)"), missing.toString());
        assertTrue(missing.contains(empty.resolve("cpuset/cpuset.mems") + " (cgroup v1 controller cpuset)"), missing.toString());

        assertEquals(List.of(), CpuGroups.missing(root, status.replace("1000", "0")));
        Files.writeString(root.resolve("cpuset/cpuset.cpus"), "0\n");
        assertEquals(List.of("CPUs 0 and 1 in " + root.resolve("cpuset/cpuset.cpus") + " (it has '0')"),
                CpuGroups.missing(root, status.replace("1000", "0")));
    }

    @Test
    void cpuListsAndTheEffectiveUidAreRead() {
        assertEquals(Set.of(0, 1), CpuGroups.cpuList("0-1\n"));
        assertEquals(Set.of(0, 2, 3, 5), CpuGroups.cpuList("0,2-3,5"));
        assertEquals(Set.of(), CpuGroups.cpuList("\n"));
        assertEquals(0, CpuGroups.effectiveUid("Uid:\t1000\t0\t0\t0\n"));
        assertThrows(IllegalArgumentException.class, () -> CpuGroups.effectiveUid("Name: java\n"));
    }
}
