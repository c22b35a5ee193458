package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A run's results for machines: {@code results/<yyyyMMdd-HHmmss>.json} and the same document as
 * {@code results/latest.json}, one object:
 * <pre>
 * { "commit": "282b714" (-dirty when the tree had changes), "time": "2026-12-06T17:05:03Z" (the start, UTC),
 *   "machine": { "cores": 2, "java": "17.0.15", "os": "Linux 6.1.0 amd64" },
 *   "load_average": { "before": "…", "after": "…" } (/proc/loadavg), "command": "bench/run-e2e.sh …",
 *   "report": "e2e-20261206-170503.md" (beside this file),
 *   "targets": { "l2_hit_p50": { "label", "value", "unit", "peer", "peer_value", "ratio", "target",
 *                                "target_of", "target_op", "target_limit", "met", "cell", "note" }, … } }
 * </pre>
 * {@code targets} holds every key of {@link Targets#evaluate} in its order. {@code target} is the
 * rule in words ({@code "<= 3x peer"}, {@code "<= 1000 µs"}), {@code target_of} ({@code ratio} or
 * {@code value}), {@code target_op} and {@code target_limit} the same rule for machines. A target
 * the run did not measure has {@code value}, {@code peer_value}, {@code ratio} and {@code met} null
 * and a {@code note}; {@code cell} (path, keys, read_percent, popularity, clients,
 * expansion_nodes) is the cell the value comes from. Numbers keep three decimals. Written with
 * Jackson, so every string is escaped.
 */
final class ResultsJson {

    static final String LATEST = "latest.json";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One run's document. {@code report} is the markdown report's file name, in the same folder. */
    record Run(String commit, Instant time, int cores, String java, String os, String loadBefore, String loadAfter,
               String command, String report, List<Targets.Standing> targets) {
    }

    private ResultsJson() {
    }

    /** Writes {@code <stamp>.json} and then {@code latest.json} (replaced in one move) into {@code directory}; returns the first. */
    static Path write(Path directory, String stamp, Run run) throws IOException {
        Files.createDirectories(directory);
        byte[] json = (MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(run)) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        Path dated = directory.resolve(stamp + ".json");
        Files.write(dated, json);
        Path next = directory.resolve(LATEST + ".tmp");
        Files.write(next, json);
        Files.move(next, directory.resolve(LATEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return dated;
    }

    static Run read(Path file) throws IOException {
        return fromJson(MAPPER.readTree(file.toFile()));
    }

    static ObjectNode toJson(Run run) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("commit", run.commit());
        root.put("time", run.time().toString());
        ObjectNode machine = root.putObject("machine");
        machine.put("cores", run.cores());
        machine.put("java", run.java());
        machine.put("os", run.os());
        ObjectNode load = root.putObject("load_average");
        load.put("before", run.loadBefore());
        load.put("after", run.loadAfter());
        root.put("command", run.command());
        root.put("report", run.report());
        ObjectNode targets = root.putObject("targets");
        for (Targets.Standing s : run.targets()) {
            ObjectNode t = targets.putObject(s.key());
            t.put("label", s.label());
            t.put("value", rounded(s.value()));
            t.put("unit", s.unit());
            t.put("peer", s.peer());
            t.put("peer_value", rounded(s.peerValue()));
            t.put("ratio", rounded(s.ratio()));
            t.put("target", s.bound().text(s.unit()));
            t.put("target_of", s.bound().of());
            t.put("target_op", s.bound().op());
            t.put("target_limit", s.bound().limit());
            t.put("met", s.met());
            if (s.cell() != null) {
                ObjectNode cell = t.putObject("cell");
                cell.put("path", s.cell().path().name().toLowerCase(Locale.ROOT).replace('_', '-'));
                cell.put("keys", s.cell().workload().keys());
                cell.put("read_percent", s.cell().workload().readPercent());
                cell.put("popularity", s.cell().workload().popularity().name().toLowerCase(Locale.ROOT));
                cell.put("clients", s.cell().clients());
                cell.put("expansion_nodes", s.cell().reliefNodes());
            }
            if (s.note() != null) {
                t.put("note", s.note());
            }
        }
        return root;
    }

    static Run fromJson(JsonNode root) {
        List<Targets.Standing> targets = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : required(root, "targets").properties()) {
            JsonNode t = field.getValue();
            Targets.Bound bound = new Targets.Bound(text(t, "target_of"), text(t, "target_op"), required(t, "target_limit").asDouble());
            JsonNode c = t.path("cell");
            Cell cell = c.isObject() ? new Cell(Cell.Path.valueOf(text(c, "path").toUpperCase(Locale.ROOT).replace('-', '_')),
                    new Workload(c.path("keys").asInt(), c.path("read_percent").asInt(),
                            Workload.Popularity.valueOf(text(c, "popularity").toUpperCase(Locale.ROOT))),
                    c.path("clients").asInt(), c.path("expansion_nodes").asInt()) : null;
            targets.add(new Targets.Standing(field.getKey(), text(t, "label"), text(t, "unit"), text(t, "peer"), bound, cell,
                    number(t, "value"), number(t, "peer_value"), number(t, "ratio"),
                    t.path("met").isBoolean() ? t.get("met").asBoolean() : null, text(t, "note")));
        }
        JsonNode machine = root.path("machine");
        JsonNode load = root.path("load_average");
        return new Run(text(root, "commit"), Instant.parse(required(root, "time").asText()), machine.path("cores").asInt(),
                text(machine, "java"), text(machine, "os"), text(load, "before"), text(load, "after"), text(root, "command"),
                text(root, "report"), List.copyOf(targets));
    }

    private static JsonNode required(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("results JSON: '" + name + "' is missing in " + node);
        }
        return value;
    }

    private static String text(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Double number(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value.asDouble();
    }

    private static Double rounded(Double x) {
        return x == null ? null : Math.round(x * 1_000) / 1_000.0;
    }
}
