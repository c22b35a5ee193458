package org.globalsessions.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites bench/README.md's table of targets from a results JSON ({@link ResultsJson}): the
 * text between {@value #BEGIN} and {@value #END} becomes a line naming the run (command, commit,
 * time, machine, load, its report) and {@link Report#targets}'s table of where each target stands;
 * the rest of the file is left as it was. {@code run-e2e.sh} runs it at the end of every run, on
 * that run's latest.json; run it alone as
 * <pre>
 * java -cp bench/target/benchmarks.jar org.globalsessions.bench.e2e.ResultsTable [RESULTS_JSON [README]]
 * </pre>
 * (defaults {@code bench/results/latest.json} and {@code bench/README.md}, from the repository root).
 */
public final class ResultsTable {

    static final String BEGIN = "<!-- results:begin -->";
    static final String END = "<!-- results:end -->";

    private ResultsTable() {
    }

    public static void main(String[] args) {
        if (args.length > 2) {
            System.err.println("usage: ResultsTable [RESULTS_JSON [README]] (defaults bench/results/latest.json bench/README.md)");
            System.exit(2);
        }
        Path json = Path.of(args.length > 0 ? args[0] : "bench/results/latest.json");
        Path readme = Path.of(args.length > 1 ? args[1] : "bench/README.md");
        try {
            Files.writeString(readme, rewrite(Files.readString(readme), json, readme));
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("results-table: cannot write the table of " + json + " into " + readme + ": " + e);
            System.exit(1);
        }
        System.out.println("results-table: wrote the table of " + json + " into " + readme);
    }

    /** {@code document} (the text of {@code readme}) with its results block made from {@code json}. */
    static String rewrite(String document, Path json, Path readme) throws IOException {
        Path base = readme.toAbsolutePath().getParent();
        ResultsJson.Run run = ResultsJson.read(json);
        String report = run.report() == null ? null
                : base.relativize(json.toAbsolutePath().getParent().resolve(run.report())).toString();
        return replace(document, block(run, report));
    }

    /** The block's content: {@code reportLink} is the run's report relative to the README (null: none). */
    static String block(ResultsJson.Run run, String reportLink) {
        String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC).format(run.time());
        return "<!-- Written by ResultsTable from the run's latest.json (bench/run-e2e.sh runs it): change the class, not this block. -->\n"
                + String.format(Locale.ROOT, "The latest run: `%s`, commit %s, %s UTC; %d cores, Java %s; load average %s → %s.%s "
                                + "Every ratio is against its peer measured in the same run; a target the run did not measure says why.%n%n",
                        run.command(), run.commit(), when, run.cores(), run.java(), first(run.loadBefore()), first(run.loadAfter()),
                        reportLink == null ? "" : " Every cell: [" + reportLink + "](" + reportLink + ").")
                + Report.targets(run.targets());
    }

    /**
     * {@code document} with the text between the marker lines replaced by {@code block}. A marker
     * counts only on a line of its own (prose may quote it); refuses a document without exactly
     * one of each, in order.
     */
    static String replace(String document, String block) {
        List<Integer> begins = lines(document, BEGIN);
        List<Integer> ends = lines(document, END);
        if (begins.size() != 1 || ends.size() != 1 || ends.get(0) < begins.get(0)) {
            throw new IllegalArgumentException("expected one line '" + BEGIN + "' followed by one line '" + END + "', found "
                    + begins.size() + " and " + ends.size());
        }
        return document.substring(0, begins.get(0) + BEGIN.length()) + "\n" + block + document.substring(ends.get(0));
    }

    /** Where the lines of {@code document} that are exactly {@code marker} start. */
    private static List<Integer> lines(String document, String marker) {
        List<Integer> at = new ArrayList<>();
        Matcher m = Pattern.compile("^" + Pattern.quote(marker) + "$", Pattern.MULTILINE).matcher(document);
        while (m.find()) {
            at.add(m.start());
        }
        return at;
    }

    /** The first field of a /proc/loadavg line: the one-minute average. */
    private static String first(String loadAverage) {
        return loadAverage == null ? "unknown" : loadAverage.trim().split("\\s+")[0];
    }
}
