package org.globalsessions.bench.webfarm;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What an app process records: the latency of each login, validation and logout around the
 * backend call (nanoseconds, HdrHistogram {@link Recorder}s, 3 significant digits: recording is
 * wait-free for the connection threads, and taking an interval swaps the histogram under them),
 * and counts: where each validation was answered ({@code validate:<tier>}, {@code validate:none}
 * when it found nothing) and failed calls ({@code failed:<op>}). A validation the process
 * answered itself (L1, the near cache) is made once more at once, timed apart as a
 * <em>repeat</em>: the same call with the process's caches warm, which tells what a validation
 * costs from what waking a cold process on a busy machine adds to it.
 *
 * <p>Thread-safe: every connection thread of the app records into one instance.
 */
final class AppStats {

    static final long HIGHEST_NANOS = Duration.ofSeconds(60).toNanos();
    /** The tiers that mean the process answered a validation itself. */
    private static final Set<String> LOCAL = Set.of("l1", "near");

    private final Recorder logins = recorder();
    private final Recorder validations = recorder();
    private final Recorder logouts = recorder();
    private final Recorder repeats = recorder();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    /** What was recorded over one interval, in any process; {@link #merge} adds two. */
    record Snapshot(Histogram logins, Histogram validations, Histogram logouts, Histogram repeats, Map<String, Long> counts) {

        static Snapshot empty() {
            return new Snapshot(histogram(), histogram(), histogram(), histogram(), Map.of());
        }

        Snapshot merge(Snapshot other) {
            Histogram l = logins.copy();
            l.add(other.logins);
            Histogram v = validations.copy();
            v.add(other.validations);
            Histogram o = logouts.copy();
            o.add(other.logouts);
            Histogram r = repeats.copy();
            r.add(other.repeats);
            Map<String, Long> c = new TreeMap<>(counts);
            other.counts.forEach((k, n) -> c.merge(k, n, Long::sum));
            return new Snapshot(l, v, o, r, Map.copyOf(c));
        }

        long count(String key) {
            return counts.getOrDefault(key, 0L);
        }

        void write(DataOutput out) throws IOException {
            for (Histogram h : new Histogram[] {logins, validations, logouts, repeats}) {
                ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
                int length = h.encodeIntoCompressedByteBuffer(buffer);
                out.writeInt(length);
                out.write(buffer.array(), 0, length);
            }
            out.writeInt(counts.size());
            for (Map.Entry<String, Long> e : counts.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        }

        static Snapshot read(DataInput in) throws IOException {
            Histogram[] h = new Histogram[4];
            for (int i = 0; i < h.length; i++) {
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                try {
                    h[i] = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), HIGHEST_NANOS);
                } catch (DataFormatException e) {
                    throw new IOException("a histogram from an app process does not decode: " + e.getMessage(), e);
                }
            }
            int n = in.readInt();
            Map<String, Long> counts = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                counts.put(in.readUTF(), in.readLong());
            }
            return new Snapshot(h[0], h[1], h[2], h[3], Map.copyOf(counts));
        }
    }

    void login(long nanos) {
        logins.recordValue(Math.min(nanos, HIGHEST_NANOS));
    }

    /** A validation that took {@code nanos} and was answered by {@code tier} (null: it found nothing). */
    void validation(long nanos, String tier) {
        validations.recordValue(Math.min(nanos, HIGHEST_NANOS));
        count("validate:" + (tier == null ? "none" : tier));
    }

    /** Whether a validation answered by {@code tier} (null: found nothing) was answered by the process itself. */
    static boolean local(String tier) {
        return tier != null && LOCAL.contains(tier);
    }

    /** The same validation again at once, answered locally (L1, the near cache) both times. */
    void repeat(long nanos) {
        repeats.recordValue(Math.min(nanos, HIGHEST_NANOS));
    }

    void logout(long nanos) {
        logouts.recordValue(Math.min(nanos, HIGHEST_NANOS));
    }

    void failed(String op) {
        count("failed:" + op);
    }

    /** What was recorded since the last call, and a fresh start. */
    Snapshot interval() {
        Map<String, Long> c = new TreeMap<>();
        counts.forEach((k, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                c.put(k, n);
            }
        });
        return new Snapshot(logins.getIntervalHistogram(), validations.getIntervalHistogram(), logouts.getIntervalHistogram(),
                repeats.getIntervalHistogram(), Map.copyOf(c));
    }

    private void count(String key) {
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private static Recorder recorder() {
        return new Recorder(1, HIGHEST_NANOS, 3);
    }

    static Histogram histogram() {
        return new Histogram(1, HIGHEST_NANOS, 3);
    }
}
