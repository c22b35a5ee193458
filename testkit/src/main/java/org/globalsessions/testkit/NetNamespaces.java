package org.globalsessions.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hosts as Linux network namespaces on one machine, and the network faults between them.
 *
 * <p>Layout: a "switch" namespace holds a bridge {@code br0}; each host is a namespace with
 * {@code lo} up and an {@code eth0} whose veth peer ({@code h<i>}) sits in the switch namespace,
 * enslaved to the bridge. Addresses ({@code 10.77.<subnet>.<i+1>/24}) exist only inside the
 * host namespaces: the root namespace gets no address, no link and no route. A process runs in
 * a host under {@link Host#exec()} ({@code ip netns exec <namespace>}, which execs in place, so
 * the pid a test holds is the process's own: SIGKILL, SIGSTOP and SIGCONT reach it).
 *
 * <p>Faults: {@link #isolate} takes a host's switch port down (the host keeps running, its
 * packets go nowhere) and {@link #rejoin} brings it back; {@link #cut} installs blackhole
 * routes on both sides so that two hosts cannot reach each other while both still reach every
 * other host; {@link #healAll} undoes every fault.
 *
 * <p>Names are {@code gsn<pid>-…}, unique per test JVM. {@link #create} first removes the
 * namespaces of an earlier run whose JVM is gone (a crashed run), and {@link #close} (also run
 * by a shutdown hook) removes this run's: deleting a namespace deletes the links inside it.
 * Creating namespaces needs root and iproute2; without them {@link #create} throws with the
 * reason (a test then fails: it never passes without its hosts).
 *
 * <p>Thread-safety: the methods are synchronized; faults may be applied from any thread.
 */
public final class NetNamespaces implements AutoCloseable {

    /** Every namespace this class makes starts with this, then the pid of the JVM that made it. */
    public static final String PREFIX = "gsn";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)-\\S+");

    /** A host: its namespace, its address, and its port on the switch. */
    public record Host(String name, String namespace, String address, String switchPort) {
        /** The command prefix that runs a program in this host. */
        public List<String> exec() {
            return List.of("ip", "netns", "exec", namespace);
        }

        @Override
        public String toString() {
            return name + "(" + address + ")";
        }
    }

    private final String base;
    private final String switchNamespace;
    private final int subnet;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Set<String> isolated = new LinkedHashSet<>();
    /** Blackhole routes in place, as "namespace address". */
    private final Set<List<String>> blackholes = new LinkedHashSet<>();
    private final Thread cleanup;
    private boolean closed;

    private NetNamespaces(int subnet) {
        this.base = PREFIX + ProcessHandle.current().pid() + "-";
        this.switchNamespace = base + "sw";
        this.subnet = subnet;
        this.cleanup = new Thread(this::close, "net-namespaces-cleanup");
    }

    /**
     * The switch of a new set of hosts on {@code 10.77.<subnet>.0/24}, after removing the
     * namespaces a crashed earlier run left behind.
     *
     * @throws IllegalStateException naming the reason if this JVM cannot make namespaces (not root, no iproute2)
     */
    public static NetNamespaces create(int subnet) {
        if (subnet < 0 || subnet > 255) {
            throw new IllegalArgumentException("subnet=" + subnet + " is not in 0..255");
        }
        String user = Commands.run(List.of("id", "-u")).out().strip();
        if (!user.equals("0")) {
            throw new IllegalStateException("network namespaces need root: this JVM runs as uid " + user
                    + " (run the nemesis suite as root, as CI does)");
        }
        ChildJvm.Result ip = Commands.run(List.of("ip", "netns", "list"));
        if (ip.exit() != 0) {
            throw new IllegalStateException("`ip netns list` failed (is iproute2 installed? .ci/run installs it): " + ip.err().strip());
        }
        removeStale(ip.out());
        NetNamespaces net = new NetNamespaces(subnet);
        Runtime.getRuntime().addShutdownHook(net.cleanup);
        try {
            net.ip("netns", "add", net.switchNamespace);
            net.ip("-n", net.switchNamespace, "link", "set", "lo", "up");
            net.ip("-n", net.switchNamespace, "link", "add", "br0", "type", "bridge");
            net.ip("-n", net.switchNamespace, "link", "set", "br0", "up");
        } catch (RuntimeException e) {
            net.close();
            throw new IllegalStateException("cannot make the switch namespace: " + e.getMessage(), e);
        }
        return net;
    }

    /** Removes namespaces named by a JVM that no longer runs. */
    private static void removeStale(String netnsList) {
        for (String line : netnsList.split("\n")) {
            Matcher m = OURS.matcher(line.strip());
            if (m.find() && !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
                String namespace = line.strip().split("\\s+")[0];
                Commands.run(List.of("ip", "netns", "del", namespace));
            }
        }
    }

    /** A new host named {@code name} (letters and digits), wired to the switch. */
    public synchronized Host host(String name) {
        if (hosts.containsKey(name)) {
            throw new IllegalArgumentException("host=" + name + " exists");
        }
        int index = hosts.size();
        if (index > 250) {
            throw new IllegalStateException("a /24 holds 250 hosts here");
        }
        Host host = new Host(name, base + name, "10.77." + subnet + "." + (index + 1), "h" + index);
        ip("netns", "add", host.namespace());
        hosts.put(name, host);
        ip("-n", host.namespace(), "link", "set", "lo", "up");
        ip("-n", host.namespace(), "link", "add", "eth0", "type", "veth", "peer", "name", host.switchPort(),
                "netns", switchNamespace);
        ip("-n", switchNamespace, "link", "set", host.switchPort(), "master", "br0");
        ip("-n", switchNamespace, "link", "set", host.switchPort(), "up");
        ip("-n", host.namespace(), "addr", "add", host.address() + "/24", "dev", "eth0");
        ip("-n", host.namespace(), "link", "set", "eth0", "up");
        return host;
    }

    public synchronized List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** Cuts {@code host} from every other host: its switch port goes down. */
    public synchronized void isolate(Host host) {
        ip("-n", switchNamespace, "link", "set", host.switchPort(), "down");
        isolated.add(host.name());
    }

    /** Undoes {@link #isolate}. */
    public synchronized void rejoin(Host host) {
        ip("-n", switchNamespace, "link", "set", host.switchPort(), "up");
        isolated.remove(host.name());
    }

    /** Cuts {@code a} and {@code b} from each other only: a blackhole route to the other on each side. */
    public synchronized void cut(Host a, Host b) {
        blackhole(a, b);
        blackhole(b, a);
    }

    /** Undoes {@link #cut}. */
    public synchronized void mend(Host a, Host b) {
        unblackhole(a, b);
        unblackhole(b, a);
    }

    private void blackhole(Host from, Host to) {
        List<String> route = List.of(from.namespace(), to.address());
        if (blackholes.add(route)) {
            ip("-n", from.namespace(), "route", "add", "blackhole", to.address() + "/32");
        }
    }

    private void unblackhole(Host from, Host to) {
        List<String> route = List.of(from.namespace(), to.address());
        if (blackholes.remove(route)) {
            ip("-n", from.namespace(), "route", "del", "blackhole", to.address() + "/32");
        }
    }

    /** Undoes every fault in place: every host rejoins, every cut is mended. */
    public synchronized void healAll() {
        for (String name : new ArrayList<>(isolated)) {
            rejoin(hosts.get(name));
        }
        for (List<String> route : new ArrayList<>(blackholes)) {
            ip("-n", route.get(0), "route", "del", "blackhole", route.get(1) + "/32");
            blackholes.remove(route);
        }
    }

    /** How many faults are in place (isolated hosts plus one-way blackhole routes). */
    public synchronized int faultsInPlace() {
        return isolated.size() + blackholes.size();
    }

    /**
     * The Prometheus text a process in {@code host} serves on its loopback at {@code port}, or
     * empty (the test's JVM is in the root namespace, which has no route to the hosts).
     */
    public static String scrape(Host host, int port) {
        List<String> command = new ArrayList<>(host.exec());
        command.addAll(List.of("curl", "-s", "-m", "3", "http://127.0.0.1:" + port + "/metrics"));
        ChildJvm.Result result = Commands.run(command);
        return result.exit() == 0 ? result.out() : "";
    }

    /** Removes every namespace of this run (the links in them go with them). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Host host : hosts.values()) {
            Commands.run(List.of("ip", "netns", "del", host.namespace()));
        }
        Commands.run(List.of("ip", "netns", "del", switchNamespace));
        if (Thread.currentThread() != cleanup) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway and finds everything closed
            }
        }
    }

    private void ip(String... args) {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        Commands.check(command);
    }
}
