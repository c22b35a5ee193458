package org.globalsessions.bench.e2e;

/**
 * One measurement: a system and the path through it, a workload and a number of closed-loop
 * clients. {@code reliefNodes} is the number of expansion nodes of the cluster the cell ran
 * against (0 for cells that use no relief tier).
 */
record Cell(Path path, Workload workload, int clients, int reliefNodes) {

    /** The seed of the clients' random sources: the same for every system given the same workload and clients. */
    long seed() {
        return ((workload.keys() * 1_000_003L + workload.readPercent()) * 31 + workload.popularity().ordinal()) * 1_009 + clients;
    }

    /** The systems and paths measured; {@link #claim} is the answer a read on that path should get. */
    enum Path {
        CHRONICLE_MAP("Chronicle Map", "local get/put (getUsing)", "hit"),
        CAFFEINE("Caffeine", "local get/put", "hit"),
        REDIS("Redis", "GET/SET, plaintext", "hit"),
        REDIS_TLS("Redis", "GET/SET, mutual TLS", "hit"),
        L1("global-sessions", "L1 hit, attached process", "l1"),
        L2("global-sessions", "L2 hit (relay)", "l2"),
        EXPANSION("global-sessions", "expansion hit", "expansion"),
        AGING("global-sessions", "aging hit", "aging"),
        SET("global-sessions", "set acknowledged by the expansion replicas", null);

        final String system;
        final String description;
        final String claim;

        Path(String system, String description, String claim) {
            this.system = system;
            this.description = description;
            this.claim = claim;
        }

        /** A path with a network hop: its JVMs (the client's included) warm up only as requests cross it. */
        boolean networked() {
            return this != CHRONICLE_MAP && this != CAFFEINE && this != L1;
        }

        boolean globalSessions() {
            return system.equals("global-sessions");
        }
    }
}
