package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsJsonTest {

    static ResultsJson.Run run(String command) {
        return new ResultsJson.Run("282b714-dirty", Instant.parse("2026-12-06T17:05:03Z"), 2, "17.0.15", "Linux 6.1.0 amd64",
                "3.10 2.90 2.80 3/345 12345", "4.05 3.00 2.85 2/350 12999", command, "e2e-20261206-170503.md",
                Targets.evaluate(List.of(TestResults.reference(Cell.Path.L2, 120_000), TestResults.reference(Cell.Path.REDIS_TLS, 50_000),
                        TestResults.reference(Cell.Path.EXPANSION, 1_500_000)), TestResults.REFERENCE));
    }

    @Test
    void writesTheDatedCopyAndLatestAsOneDocument(@TempDir Path dir) throws IOException {
        Path dated = ResultsJson.write(dir, "20261206-170503", run("bench/run-e2e.sh --quick"));
        assertEquals(dir.resolve("20261206-170503.json"), dated);
        assertArrayEquals(Files.readAllBytes(dated), Files.readAllBytes(dir.resolve("latest.json")));
        assertFalse(Files.exists(dir.resolve("latest.json.tmp")));
        JsonNode root = new ObjectMapper().readTree(dated.toFile());
        assertEquals("282b714-dirty", root.get("commit").asText());
        assertEquals("2026-12-06T17:05:03Z", root.get("time").asText());
        assertEquals(2, root.get("machine").get("cores").asInt());
        assertEquals("17.0.15", root.get("machine").get("java").asText());
        assertEquals(13, root.get("targets").size());
    }

    @Test
    void aMeasuredTargetHasEveryFieldAndAnUnmeasuredOneNullsAndANote() {
        JsonNode targets = ResultsJson.toJson(run("x")).get("targets");
        JsonNode l2 = targets.get("l2_hit_p50");
        assertEquals(120.063, l2.get("value").asDouble());
        assertEquals("µs", l2.get("unit").asText());
        assertEquals("Redis TLS GET p50", l2.get("peer").asText());
        assertEquals(50.015, l2.get("peer_value").asDouble());
        assertEquals(2.401, l2.get("ratio").asDouble());
        assertEquals("<= 3x peer", l2.get("target").asText());
        assertEquals(3.0, l2.get("target_limit").asDouble());
        assertTrue(l2.get("met").asBoolean());
        assertEquals("l2", l2.get("cell").get("path").asText());
        assertEquals(100_000, l2.get("cell").get("keys").asInt());
        assertFalse(l2.has("note"));
        JsonNode l3 = targets.get("l3_hit_p99");
        assertTrue(l3.get("peer").isNull() && l3.get("peer_value").isNull() && l3.get("ratio").isNull());
        assertFalse(l3.get("met").asBoolean());
        assertEquals("<= 1000 µs", l3.get("target").asText());
        JsonNode farm = targets.get("webfarm_throughput_50c");
        for (String field : List.of("value", "peer_value", "ratio", "met")) {
            assertTrue(farm.get(field).isNull(), field);
        }
        assertEquals(Targets.NO_WEB_FARM, farm.get("note").asText());
        assertFalse(farm.has("cell"));
    }

    @Test
    void stringsWithQuotesBackslashesAndNewlinesSurviveTheRoundTrip(@TempDir Path dir) throws IOException {
        String command = "bench/run-e2e.sh --command \"a \\ b\"\n\ttab ✓";
        ResultsJson.write(dir, "20261206-170503", run(command));
        String text = Files.readString(dir.resolve("latest.json"));
        assertTrue(text.contains("\"command\" : \"bench/run-e2e.sh --command \\\"a \\\\ b\\\"\\n\\ttab ✓\""), text);
        assertEquals(command, ResultsJson.read(dir.resolve("latest.json")).command());
    }

    @Test
    void readingBackGivesTheRunThatWasWritten(@TempDir Path dir) throws IOException {
        ResultsJson.Run written = run("bench/run-e2e.sh");
        ResultsJson.write(dir, "20261206-170503", written);
        ResultsJson.Run read = ResultsJson.read(dir.resolve("latest.json"));
        assertEquals(Report.targets(written.targets()), Report.targets(read.targets()));
        assertEquals(written.targets().get(2).cell(), read.targets().get(2).cell());
        assertEquals(written.time(), read.time());
        assertEquals(written.loadAfter(), read.loadAfter());
    }
}
