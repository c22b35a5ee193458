package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Puts a web-farm run's targets ({@code webfarm_*}, from {@code bench/run-webfarm.sh}'s JSON,
 * which has latest.json's shape) into a results JSON in place of the ones it holds, each noted
 * with the run it comes from: the e2e run cannot measure them, and the table of targets should
 * show the last web-farm run beside the last e2e run. {@code run-webfarm.sh} merges its run into
 * latest.json; {@code run-e2e.sh} merges the newest web-farm run into the latest.json it writes.
 * <pre>
 * java -cp bench/target/benchmarks.jar org.globalsessions.bench.e2e.ResultsMerge RESULTS_JSON WEBFARM_JSON
 * </pre>
 */
public final class ResultsMerge {

    static final String PREFIX = "webfarm_";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultsMerge() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ResultsMerge RESULTS_JSON WEBFARM_JSON");
            System.exit(2);
        }
        try {
            int merged = merge(Path.of(args[0]), Path.of(args[1]));
            System.out.println("results-merge: " + merged + " web-farm targets of " + args[1] + " put into " + args[0]);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("results-merge: cannot merge " + args[1] + " into " + args[0] + ": " + e);
            System.exit(1);
        }
    }

    /** The stamp of the web-farm run a merged target's note names ("from the web-farm run webfarm-20261207-061716.md, …"). */
    private static final Pattern SOURCE = Pattern.compile("web-farm run webfarm-(\\d{8}-\\d{6})\\.md");

    /** The stamp of the web-farm run {@code target} was merged from, if its note names one. */
    static Optional<String> sourceStamp(JsonNode target) {
        Matcher m = SOURCE.matcher(target.path("note").asText(""));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * Puts back into {@code results} each web-farm target of {@code previous} (the latest.json this
     * run replaced) that came from a later web-farm run than the one {@code results} holds now: a
     * clean clone has only the web-farm JSON files that were committed, and the targets of a newer
     * run may live in latest.json alone. Returns how many; writes nothing when none.
     */
    static int keepNewer(Path results, JsonNode previous) throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(results.toFile());
        if (!(root.get("targets") instanceof ObjectNode targets) || !previous.path("targets").isObject()) {
            return 0;
        }
        int kept = 0;
        for (Map.Entry<String, JsonNode> target : previous.get("targets").properties()) {
            Optional<String> before = sourceStamp(target.getValue());
            Optional<String> now = targets.has(target.getKey()) ? sourceStamp(targets.get(target.getKey())) : Optional.empty();
            if (target.getKey().startsWith(PREFIX) && targets.has(target.getKey()) && before.isPresent()
                    && (now.isEmpty() || before.get().compareTo(now.get()) > 0)) {
                targets.set(target.getKey(), target.getValue().deepCopy());
                kept++;
            }
        }
        if (kept > 0) {
            write(results, root);
        }
        return kept;
    }

    /** {@code file} read as JSON, or null if there is no such file. */
    static JsonNode readIfPresent(Path file) throws IOException {
        return Files.exists(file) ? MAPPER.readTree(file.toFile()) : null;
    }

    /** The newest {@code webfarm-<stamp>.json} in {@code directory}, if any (stamps sort by time). */
    static Optional<Path> newestWebFarm(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().matches("webfarm-\\d{8}-\\d{6}\\.json"))
                    .max((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        }
    }

    /**
     * Replaces {@code results}' web-farm targets with {@code webfarm}'s (keys it does not have are
     * refused: both come from one version of the benchmarks); returns how many. Written in one move.
     */
    static int merge(Path results, Path webfarm) throws IOException {
        ObjectNode root = (ObjectNode) MAPPER.readTree(results.toFile());
        JsonNode farm = MAPPER.readTree(webfarm.toFile());
        if (!(root.get("targets") instanceof ObjectNode targets) || !farm.path("targets").isObject()) {
            throw new IllegalArgumentException("both files need a 'targets' object");
        }
        String source = String.format("from the web-farm run %s, commit %s, %s", farm.path("report").asText(webfarm.getFileName().toString()),
                farm.path("commit").asText("unknown"), farm.path("time").asText("at an unknown time"));
        int merged = 0;
        for (Map.Entry<String, JsonNode> target : farm.get("targets").properties()) {
            if (!target.getKey().startsWith(PREFIX)) {
                continue;
            }
            if (!targets.has(target.getKey())) {
                throw new IllegalArgumentException("'" + target.getKey() + "' is not a target of " + results);
            }
            ObjectNode copy = target.getValue().deepCopy();
            String note = copy.path("note").asText("");
            copy.put("note", note.isEmpty() ? source : note + "; " + source);
            targets.set(target.getKey(), copy);
            merged++;
        }
        write(results, root);
        return merged;
    }

    /** Writes {@code root} to {@code results} in one move. */
    private static void write(Path results, ObjectNode root) throws IOException {
        Path next = results.resolveSibling(results.getFileName() + ".tmp");
        Files.write(next, (MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(next, results, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
