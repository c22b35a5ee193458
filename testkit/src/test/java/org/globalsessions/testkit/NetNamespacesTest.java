package org.globalsessions.testkit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The namespace hosts and their faults, checked with connection attempts between hosts: a
 * reachable host answers a connect to a closed port with a refusal, a cut one does not answer.
 * Needs root and iproute2 (CI has both): without them it fails with the reason.
 */
class NetNamespacesTest {

    /** What a TCP connect from {@code from} to port 9 of {@code to} gets: "refused" when the path is open. */
    private static String connect(NetNamespaces.Host from, NetNamespaces.Host to) {
        List<String> command = new ArrayList<>(from.exec());
        command.addAll(List.of("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + to.address() + "/9"));
        String err = Commands.run(command).err();
        return err.contains("Connection refused") ? "refused" : "cut: " + err.strip();
    }

    private static List<String> rootLinks() {
        return Commands.check(List.of("ip", "-o", "link", "show")).lines().map(l -> l.split(":")[1].strip()).sorted().toList();
    }

    @Test
    void hostsReachEachOtherUntilIsolatedOrCutAndCloseRemovesEverything() {
        List<String> linksBefore = rootLinks();
        String namespacesOfThisRun;
        try (NetNamespaces net = NetNamespaces.create(250)) {
            NetNamespaces.Host a = net.host("a");
            NetNamespaces.Host b = net.host("b");
            NetNamespaces.Host c = net.host("c");
            assertEquals("10.77.250.2", b.address());
            assertEquals(linksBefore, rootLinks(), "the root namespace gets no link");
            assertEquals("refused", connect(a, b));
            assertEquals("refused", connect(b, c));

            net.cut(a, b);
            assertNotEquals("refused", connect(a, b));
            assertNotEquals("refused", connect(b, a));
            assertEquals("refused", connect(a, c), "a cut separates only the two hosts");
            assertEquals(2, net.faultsInPlace());

            net.isolate(c);
            assertNotEquals("refused", connect(a, c));
            assertNotEquals("refused", connect(c, b));

            net.healAll();
            assertEquals(0, net.faultsInPlace());
            assertEquals("refused", connect(a, b));
            assertEquals("refused", connect(c, a));
            namespacesOfThisRun = NetNamespaces.PREFIX + ProcessHandle.current().pid() + "-";
            assertTrue(Commands.check(List.of("ip", "netns", "list")).contains(namespacesOfThisRun + "a"));
        }
        assertFalse(Commands.check(List.of("ip", "netns", "list")).contains(namespacesOfThisRun), "close removes every namespace");
        assertEquals(linksBefore, rootLinks());
    }

    /** The state letter in /proc/PID/stat (T: stopped). */
    private static String state(long pid) {
        String stat = Commands.check(List.of("cat", "/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    @Test
    void processesInAHostKeepTheirPidSoSignalsReachThem() {
        try (NetNamespaces net = NetNamespaces.create(251)) {
            NetNamespaces.Host a = net.host("a");
            try (ChildJvm child = ChildJvm.mainClass(TestkitTest.Echo.class).options(ChildJvm.SMALL).prefix(a.exec()).start()) {
                assertTrue(child.readLine(java.time.Duration.ofSeconds(30)).startsWith("ready"));
                String netns = Commands.check(List.of("ip", "netns", "identify", Long.toString(child.pid()))).strip();
                assertEquals(a.namespace(), netns, "the pid the test holds is the JVM's, in the host");
                child.pause();
                assertEquals("T", state(child.pid()), "stopped");
                child.writeLine("one");
                child.resume();
                assertNotEquals("T", state(child.pid()));
                assertEquals("echo one", child.readLine(java.time.Duration.ofSeconds(10)));
            }
        }
    }
}
