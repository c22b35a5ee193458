package org.globalsessions.bench.e2e;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How much CPU each cluster node JVM may use under {@code --cpu-budget}, in percent of one CPU:
 * a cgroup v1 CFS quota per JVM ({@code cpu.cfs_quota_us} over a {@value #PERIOD_MICROS} µs
 * period), every node JVM on CPU 1 and the load generator alone on CPU 0 ({@link CpuGroups}).
 * With a fixed budget per node, adding expansion nodes adds capacity, which is what the
 * scale-out targets ask about; without one, every JVM shares both vCPUs and a node added adds
 * work, not capacity.
 *
 * <p>The defaults: every expansion node {@value #DEFAULT_EXPANSION} %, the relay+sibling JVM
 * {@value #DEFAULT_RELAY} %, the aging node {@value #DEFAULT_AGING} %: with 3 expansion nodes the
 * quotas add up to all of CPU 1, so each can be used in full at once. The relay+sibling JVM
 * handles every request too (the client's hop in and out, and the hop to the expansion node and
 * back): measured, it costs 0.5–1.5 times what the expansion nodes together cost per read
 * (30–95 against 30–179 µs; bench/README.md, "Capacity per node"), so with 3 expansion nodes at
 * their quota (0.30 CPU) it needs at most about 0.45: at 65 % the expansion nodes, not the relay,
 * run out first at 1, 2 and 3 nodes (it used at most 0.23 CPU while each expansion node used its
 * 0.10). The aging node only keeps up with the cluster in these cells (0.03–0.05 CPU).
 */
record CpuBudget(double relayPercent, double expansionPercent, double agingPercent) {

    /** {@code cpu.cfs_period_us}: the kernel's default, 100 ms. */
    static final long PERIOD_MICROS = 100_000;
    static final double DEFAULT_RELAY = 65;
    static final double DEFAULT_EXPANSION = 10;
    static final double DEFAULT_AGING = 5;
    static final CpuBudget DEFAULT = new CpuBudget(DEFAULT_RELAY, DEFAULT_EXPANSION, DEFAULT_AGING);

    CpuBudget {
        check("relay", relayPercent);
        check("expansion", expansionPercent);
        check("aging", agingPercent);
    }

    /**
     * {@code default}, or some of {@code relay=P,expansion=P,aging=P} (percent of one CPU; the
     * others keep their default), e.g. {@code expansion=12}.
     */
    static CpuBudget parse(String spec) {
        Map<String, Double> percent = new LinkedHashMap<>(Map.of("relay", DEFAULT_RELAY, "expansion", DEFAULT_EXPANSION,
                "aging", DEFAULT_AGING));
        if (!spec.trim().equals("default")) {
            for (String part : spec.split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length != 2 || !percent.containsKey(kv[0].trim())) {
                    throw new IllegalArgumentException("--cpu-budget: expected default or relay=P,expansion=P,aging=P, got '"
                            + part.trim() + "'");
                }
                try {
                    percent.put(kv[0].trim(), Double.parseDouble(kv[1].trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--cpu-budget: " + kv[0].trim() + "=" + kv[1].trim() + " is not a number");
                }
            }
        }
        return new CpuBudget(percent.get("relay"), percent.get("expansion"), percent.get("aging"));
    }

    double percent(CpuUse.Role role) {
        return switch (role) {
            case RELAY -> relayPercent;
            case EXPANSION -> expansionPercent;
            case AGING -> agingPercent;
            case LOAD_GENERATOR -> throw new IllegalArgumentException("role=" + role + " has a CPU of its own, not a quota");
            case APP, REDIS -> throw new IllegalArgumentException("role=" + role + " runs in the web farm, which has no CPU budget");
        };
    }

    /** {@code cpu.cfs_quota_us} of a node of {@code role}: its percent of {@link #PERIOD_MICROS}. */
    long quotaMicros(CpuUse.Role role) {
        return Math.round(percent(role) * PERIOD_MICROS / 100);
    }

    /** The quotas of a cluster with {@code expansionNodes} expansion nodes together, in percent of one CPU. */
    double total(int expansionNodes) {
        return relayPercent + expansionNodes * expansionPercent + agingPercent;
    }

    /** The budget as {@link #parse} reads it: "relay=65,expansion=10,aging=5". */
    String spec() {
        return "relay=" + number(relayPercent) + ",expansion=" + number(expansionPercent) + ",aging=" + number(agingPercent);
    }

    /** "relay+sibling 65 %, each expansion node 10 %, aging node 5 % of CPU 1 (CFS quota per JVM); load generator alone on CPU 0". */
    String describe() {
        return String.format(Locale.ROOT, "relay+sibling %s %%, each expansion node %s %%, aging node %s %% of CPU 1 "
                        + "(a cgroup v1 CFS quota per JVM); load generator alone on CPU 0",
                number(relayPercent), number(expansionPercent), number(agingPercent));
    }

    private static String number(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    private static void check(String name, double percent) {
        // the kernel's smallest quota is 1 ms of a 100 ms period; one node cannot use more than CPU 1
        if (!(percent >= 1 && percent <= 100)) {
            throw new IllegalArgumentException("--cpu-budget: " + name + "=" + percent + " must be between 1 and 100 (% of one CPU)");
        }
    }
}
