package org.globalsessions.bench.webfarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import org.globalsessions.bench.e2e.CpuUse;
import org.globalsessions.bench.e2e.WarmUp;

class FarmLoadTest {

    private static final CpuUse.Member APP = new CpuUse.Member("app", CpuUse.Role.APP, 1);

    /**
     * The CPU clock covers the measured period alone: it is read after the apps dropped the
     * warm-up ({@link Protocol#RESET}), and again once the period has its {@code maxOps} steps,
     * before the apps are asked for what they recorded ({@link Protocol#STATS}).
     */
    @Test
    void theCpuClockIsReadAfterTheWarmUpAndAsTheMeasuredPeriodEnds() throws Exception {
        List<String> reads = new CopyOnWriteArrayList<>();
        AtomicLong ticks = new AtomicLong();
        try (FakeApps apps = new FakeApps(2)) {
            CpuUse.Clock clock = new CpuUse.Clock(List.of(APP), 100, pid -> {
                reads.add(apps.state());
                return ticks.addAndGet(150);
            });
            try (StaleChecks checks = new StaleChecks(apps.ports(), Duration.ofHours(1), 7);
                 FarmLoad load = new FarmLoad(apps.ports(), new Users(1_000), checks, Integer.MAX_VALUE, 7, clock)) {
                assertNull(load.run(3, Duration.ofMillis(50), Duration.ZERO, 1_000), "a warm-up alone measures nothing");
                assertEquals(List.of(), reads, "a warm-up alone reads no CPU time");

                FarmLoad.Result r = load.run(3, Duration.ofMillis(50), Duration.ofMinutes(5), 500);
                assertEquals(2, reads.size(), "read at the start and the end: " + reads);
                String state = "reset, steps since (\\d+), no stats";
                assertTrue(reads.get(0).matches(state), "read after the reset: " + reads);
                assertTrue(reads.get(1).matches(state), "read before the stats: " + reads);
                long stepsAtEnd = Long.parseLong(reads.get(1).replaceAll(state, "$1"));
                assertTrue(stepsAtEnd >= 500 && r.steps() >= 500, "read once the period had its steps: " + reads + ", " + r);
                assertEquals(List.of(new CpuUse.Used(APP, 1_500_000)), r.cpu().used(), "150 ticks at 100 a second");
                assertEquals(r.measured(), r.cpu().measured());
            }
        }
    }

    /**
     * A judged warm-up runs its least, then window after window until one's CPU time is steady:
     * here the app's JIT share is all of a window's time, then half, then a tenth, so the third
     * window (the first at or under 10 %) ends it; one never steady ends when no further window fits in the most.
     */
    @Test
    void aWarmUpEndsAtTheFirstSteadyWindowOrAtItsMost() throws Exception {
        AtomicLong cpu = new AtomicLong();
        AtomicLong jit = new AtomicLong();
        long[] jitPerWindow = {50, 25, 5};
        AtomicLong reads = new AtomicLong();
        try (FakeApps apps = new FakeApps(2)) {
            CpuUse.Clock clock = new CpuUse.Clock(List.of(APP), 100, pid -> cpu.addAndGet(50), pid -> {
                long read = reads.getAndIncrement(); // each window reads at its start (even) and its end (odd)
                boolean end = read % 2 == 1;
                return jit.addAndGet(end ? jitPerWindow[(int) Math.min(read / 2, 2)] : 0);
            });
            try (StaleChecks checks = new StaleChecks(apps.ports(), Duration.ofHours(1), 7);
                 FarmLoad load = new FarmLoad(apps.ports(), new Users(1_000), checks, Integer.MAX_VALUE, 7, clock)) {
                List<Double> seen = new CopyOnWriteArrayList<>();
                WarmUp.Warmed warmed = load.warmUp(2, new WarmUp(Duration.ofMillis(50), Duration.ofMinutes(5),
                        Duration.ofMillis(20), c -> {
                            double share = c.jitShare(CpuUse.Role.APP).orElseThrow();
                            seen.add(share);
                            return share <= 0.1;
                        }), 1_000);
                assertEquals(List.of(1.0, 0.5, 0.1), seen, "JIT ticks over the 50 CPU ticks of each window");
                assertTrue(warmed.steady());
                assertTrue(warmed.length().compareTo(Duration.ofMillis(50 + 3 * 20)) >= 0, "the least, then three windows: " + warmed);

                WarmUp.Warmed never = load.warmUp(2, new WarmUp(Duration.ofMillis(50), Duration.ofMillis(200),
                        Duration.ofMillis(40), c -> false), 1_000);
                assertFalse(never.steady());
                assertTrue(never.last() != null && never.length().compareTo(Duration.ofMillis(200)) <= 0
                        && never.length().compareTo(Duration.ofMillis(160)) >= 0, "windows until the next would pass the most: " + never);
            }
        }
    }

    /**
     * App processes that answer every step at once, as {@code AppServer} speaks {@link Protocol},
     * and note the control requests. Thread-safety: one thread per connection; {@link #state}
     * from any thread.
     */
    private static final class FakeApps implements AutoCloseable {
        private final List<ServerSocket> servers = new ArrayList<>();
        private final List<Socket> connections = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private volatile boolean reset;
        private volatile boolean stats;
        private final AtomicLong stepsSinceReset = new AtomicLong();

        FakeApps(int count) throws IOException {
            for (int i = 0; i < count; i++) {
                ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                servers.add(server);
                start(() -> accept(server));
            }
        }

        List<Integer> ports() {
            return servers.stream().map(ServerSocket::getLocalPort).toList();
        }

        /** "reset, steps since 512, no stats": what the apps had been asked so far. */
        String state() {
            return (reset ? "reset, steps since " + stepsSinceReset.get() : "no reset") + (stats ? ", stats" : ", no stats");
        }

        private void start(Runnable task) {
            Thread thread = new Thread(task, "fake-app");
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }

        private void accept(ServerSocket server) {
            try {
                while (true) {
                    Socket socket = server.accept();
                    connections.add(socket);
                    start(() -> serve(socket));
                }
            } catch (IOException closed) {
                // close() closed the server socket
            }
        }

        private void serve(Socket socket) {
            try (socket; DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()))) {
                socket.setTcpNoDelay(true);
                while (true) {
                    byte op = in.readByte();
                    if (op == Protocol.RESET) {
                        stepsSinceReset.set(0);
                        reset = true;
                    } else if (op == Protocol.STATS) {
                        stats = true;
                    } else {
                        in.readUTF();
                        stepsSinceReset.incrementAndGet();
                    }
                    out.writeByte(op == Protocol.VALIDATE || op == Protocol.CHECK ? Protocol.MISSING : Protocol.OK);
                    if (op == Protocol.STATS) {
                        AppStats.Snapshot.empty().write(out);
                    }
                    out.flush();
                }
            } catch (IOException closed) {
                // the load generator, or close(), closed the connection
            }
        }

        @Override
        public void close() throws Exception {
            for (ServerSocket server : servers) {
                server.close();
            }
            for (Socket socket : connections) {
                socket.close();
            }
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }
    }
}
