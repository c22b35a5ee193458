package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The L1 targets' figures from one JMH run of {@code ClientL1Bench} ({@code -rf json -prof gc}):
 * {@code getInto}'s mean and bytes allocated per operation, and Chronicle Map {@code getUsing}'s
 * mean, from the same fork.
 */
record JmhL1(double getIntoNs, double getIntoBytes, double getUsingNs) {

    static final String GET_INTO = "org.globalsessions.bench.ClientL1Bench.getInto";
    static final String GET_USING = "org.globalsessions.bench.ClientL1Bench.chronicleMapGetUsing";

    /**
     * The figures in JMH's JSON result {@code file}.
     *
     * @throws IllegalArgumentException naming what is missing, if the file holds no result of either benchmark or no allocation figure
     */
    static JmhL1 read(Path file) {
        JsonNode runs;
        try {
            runs = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the JMH result", e);
        }
        JsonNode getInto = find(runs, GET_INTO, file);
        JsonNode getUsing = find(runs, GET_USING, file);
        JsonNode alloc = getInto.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score");
        if (!alloc.isNumber()) {
            throw new IllegalArgumentException(file + ": " + GET_INTO + " has no gc.alloc.rate.norm: run it with -prof gc");
        }
        return new JmhL1(nanos(getInto), alloc.asDouble(), nanos(getUsing));
    }

    private static JsonNode find(JsonNode runs, String benchmark, Path file) {
        for (JsonNode run : runs) {
            if (benchmark.equals(run.path("benchmark").asText())) {
                return run;
            }
        }
        throw new IllegalArgumentException(file + ": no result of " + benchmark);
    }

    /** The primary score in nanoseconds per operation (JMH's unit is given with it). */
    private static double nanos(JsonNode run) {
        double score = run.path("primaryMetric").path("score").asDouble();
        String unit = run.path("primaryMetric").path("scoreUnit").asText();
        return switch (unit) {
            case "ns/op" -> score;
            case "us/op" -> score * 1_000;
            default -> throw new IllegalArgumentException(run.path("benchmark").asText() + ": score unit " + unit
                    + ", expected ns/op (-tu ns)");
        };
    }
}
