package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsMergeTest {

    /** A web-farm run's JSON as FarmReport writes it (two of its four targets are enough here). */
    private static String webfarm(String key) {
        return """
                { "commit": "bb59ab3", "time": "2026-12-06T18:57:26Z", "report": "webfarm-20261206-185726.md",
                  "targets": {
                    "%s": { "label": "web farm: session validation p50, 1 client", "value": 40.4, "unit": "µs",
                      "peer": "Redis TLS GET p50 (Jedis), 1 client", "peer_value": 70.3, "ratio": 0.575, "target": "<= 0.05x peer",
                      "target_of": "ratio", "target_op": "<=", "target_limit": 0.05, "met": false },
                    "webfarm_vs_near_cache_p50": { "label": "web farm: p50 against a near cache", "value": 40.4, "unit": "µs",
                      "peer": "Lettuce near cache p50", "peer_value": 247.0, "ratio": 0.163, "target": "< 1x peer",
                      "target_of": "ratio", "target_op": "<", "target_limit": 1.0, "met": true, "note": "1 client" } },
                  "cells": [] }
                """.formatted(key);
    }

    @Test
    void theWebFarmTargetsReplaceTheNotMeasuredOnesNamingTheirRun(@TempDir Path dir) throws IOException {
        ResultsJson.write(dir, "20261206-170503", ResultsJsonTest.run("bench/run-e2e.sh"));
        Path latest = dir.resolve(ResultsJson.LATEST);
        Path farm = Files.writeString(dir.resolve("webfarm-20261206-185726.json"), webfarm("webfarm_validate_p50"));

        assertEquals(2, ResultsMerge.merge(latest, farm));

        Map<String, Targets.Standing> after = ResultsJson.read(latest).targets().stream()
                .collect(Collectors.toMap(Targets.Standing::key, s -> s));
        Targets.Standing p50 = after.get("webfarm_validate_p50");
        assertEquals(40.4, p50.value());
        assertEquals(70.3, p50.peerValue());
        assertEquals(Boolean.FALSE, p50.met());
        assertEquals("from the web-farm run webfarm-20261206-185726.md, commit bb59ab3, 2026-12-06T18:57:26Z", p50.note());
        assertEquals("1 client; from the web-farm run webfarm-20261206-185726.md, commit bb59ab3, 2026-12-06T18:57:26Z",
                after.get("webfarm_vs_near_cache_p50").note());
        assertNull(after.get("webfarm_validate_p99").value(), "a target the web-farm run lacks stays not measured");
        assertEquals(13, after.size());
        assertEquals("l1_hit_mean", ResultsJson.read(latest).targets().get(0).key(), "the order is kept");
        assertFalse(Files.exists(dir.resolve("latest.json.tmp")));
    }

    /**
     * A clean clone has only the committed web-farm JSON files: an e2e run there merged an older
     * web-farm run over the newer one the replaced latest.json held (2026-12-07). The newer stays.
     */
    @Test
    void theTargetsOfALaterWebFarmRunInThePreviousLatestAreKept(@TempDir Path dir) throws IOException {
        ResultsJson.write(dir, "20261207-010257", ResultsJsonTest.run("bench/run-e2e.sh"));
        Path latest = dir.resolve(ResultsJson.LATEST);
        Path newer = Files.writeString(dir.resolve("webfarm-20261207-061716.json"), webfarm("webfarm_validate_p50")
                .replace("webfarm-20261206-185726.md", "webfarm-20261207-061716.md").replace("40.4", "7.54"));
        ResultsMerge.merge(latest, newer);
        JsonNode previous = ResultsMerge.readIfPresent(latest);

        // The next e2e run, in a clone that has only the older web-farm file.
        ResultsJson.write(dir, "20261207-085243", ResultsJsonTest.run("bench/run-e2e.sh"));
        Files.delete(newer);
        Path older = Files.writeString(dir.resolve("webfarm-20261206-185726.json"), webfarm("webfarm_validate_p50"));
        ResultsMerge.merge(latest, older);
        assertEquals(2, ResultsMerge.keepNewer(latest, previous));

        Map<String, Targets.Standing> after = ResultsJson.read(latest).targets().stream()
                .collect(Collectors.toMap(Targets.Standing::key, s -> s));
        assertEquals(7.54, after.get("webfarm_validate_p50").value());
        assertTrue(after.get("webfarm_validate_p50").note().contains("webfarm-20261207-061716.md"));
        assertNull(after.get("webfarm_validate_p99").value(), "a target neither run measured stays not measured");
        assertEquals(0, ResultsMerge.keepNewer(latest, previous), "the same run again: nothing newer to keep");
        assertNull(ResultsMerge.readIfPresent(dir.resolve("none.json")));
        assertEquals(0, ResultsMerge.keepNewer(latest, new ObjectMapper().createObjectNode()), "no previous targets");

        // A newer web-farm file than the previous latest's wins as before.
        Path newest = Files.writeString(dir.resolve("webfarm-20261207-120000.json"), webfarm("webfarm_validate_p50")
                .replace("webfarm-20261206-185726.md", "webfarm-20261207-120000.md").replace("40.4", "6.0"));
        ResultsMerge.merge(latest, newest);
        assertEquals(0, ResultsMerge.keepNewer(latest, previous));
        assertEquals(6.0, ResultsJson.read(latest).targets().stream().filter(s -> s.key().equals("webfarm_validate_p50"))
                .findFirst().orElseThrow().value());
    }

    @Test
    void aKeyThatIsNoTargetIsRefusedAndNothingChanges(@TempDir Path dir) throws IOException {
        ResultsJson.write(dir, "20261206-170503", ResultsJsonTest.run("bench/run-e2e.sh"));
        Path latest = dir.resolve(ResultsJson.LATEST);
        String before = Files.readString(latest);
        Path farm = Files.writeString(dir.resolve("webfarm-20261206-185726.json"), webfarm("webfarm_validate_p42"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultsMerge.merge(latest, farm));
        assertTrue(e.getMessage().contains("webfarm_validate_p42"), e.getMessage());
        assertEquals(before, Files.readString(latest));
    }

    @Test
    void theNewestFullRunIsTakenNeverAPartialOne(@TempDir Path dir) throws IOException {
        assertEquals(Optional.empty(), ResultsMerge.newestWebFarm(dir));
        Files.writeString(dir.resolve("webfarm-20261206-185726.json"), "{}");
        Files.writeString(dir.resolve("webfarm-20261207-090000.json"), "{}");
        Files.writeString(dir.resolve("webfarm-partial-20261208-090000.json"), "{}");
        Files.writeString(dir.resolve("webfarm-20261209-090000.md"), "");
        assertEquals(Optional.of(dir.resolve("webfarm-20261207-090000.json")), ResultsMerge.newestWebFarm(dir));
    }
}
