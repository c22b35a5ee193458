package org.globalsessions.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics scrape: the Prometheus text a node serves on 127.0.0.1:{@code port}/metrics, and
 * the value of one series in it. Tests and the benchmark ask nodes whether they are ready (members
 * up, shards hosted) this way instead of sleeping.
 */
public final class Metrics {

    /** How many cluster members a node sees up. */
    public static final String MEMBERS_UP = "global_sessions_cluster_members\\{status=\"up\"\\}";
    /** How many cluster members a node's failure detector holds unreachable (not yet downed). */
    public static final String MEMBERS_UNREACHABLE = "global_sessions_cluster_members\\{status=\"unreachable\"\\}";
    /** How many shard replicas of the expansion tier a node hosts. */
    public static final String EXPANSION_HOSTED = "global_sessions_relief_shards_hosted\\{tier=\"expansion\"\\}";
    /** How many shard replicas of the aging tier a node hosts. */
    public static final String AGING_HOSTED = "global_sessions_relief_shards_hosted\\{tier=\"aging\"\\}";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Metrics() {
    }

    /** The node's Prometheus text, or empty if it does not answer within 3 s. */
    public static String scrape(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** A node's answer to a health check: the HTTP status (-1 when it did not answer) and the body. */
    public record Health(int status, String body) {
    }

    /** {@code GET /ready} or {@code GET /alive} ({@code check}) on the node whose metrics are on 127.0.0.1:{@code port}. */
    public static Health health(int port, String check) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + check))
                    .timeout(Duration.ofSeconds(6)).build(), HttpResponse.BodyHandlers.ofString());
            return new Health(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Health(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health(-1, e.toString());
        }
    }

    /** The value of the first series matching {@code seriesRegex} (name and labels) in {@code text}, or -1. */
    public static double value(String text, String seriesRegex) {
        Matcher m = Pattern.compile("(?m)^" + seriesRegex + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** The value of the first series matching {@code seriesRegex} that the node on {@code port} serves, or -1. */
    public static double value(int port, String seriesRegex) {
        return value(scrape(port), seriesRegex);
    }
}
