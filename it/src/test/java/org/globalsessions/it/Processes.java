package org.globalsessions.it;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Real JVMs of the multi-process tests: launcher nodes and client drivers. */
final class Processes {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Processes() {
    }

    static List<String> java() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("gs.jvm.flags").trim().split("\\s+")));
        command.add("-XX:+UseSerialGC");
        return command;
    }

    /** A node started with the launcher's shaded jar, its output in a log file. */
    static final class Node {
        final String name;
        final Path config;
        final Path log;
        final int port;
        final int metricsPort;
        private Process process;
        /** Whether the test ended the process (kill or stop), as opposed to the process exiting on its own. */
        private boolean ended;

        Node(String name, Path config, Path log, int port, int metricsPort) {
            this.name = name;
            this.config = config;
            this.log = log;
            this.port = port;
            this.metricsPort = metricsPort;
        }

        Node start() {
            ended = false;
            List<String> command = java();
            command.add("-Xmx256m");
            command.addAll(List.of("-jar", System.getProperty("gs.launcher.jar"), config.toString()));
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        long pid() {
            return process.pid();
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        /** Whether the node was started and has exited without the test killing or stopping it. */
        boolean exitedOnItsOwn() {
            return process != null && !ended && !process.isAlive();
        }

        int exitValue() {
            return process.exitValue();
        }

        /** SIGKILL, and reap it. */
        void kill() {
            ended = true;
            process.destroyForcibly();
            waitFor(30);
        }

        /** SIGTERM: the node leaves the cluster; returns its exit status. */
        int stop() {
            ended = true;
            try {
                new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return waitFor(60);
        }

        private int waitFor(int seconds) {
            try {
                if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
                return process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /** The node's Prometheus text, or empty if it does not answer. */
        String metrics() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                return "";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }

        /** A metric's value (the first series matching {@code seriesRegex}), or -1. */
        double metric(String seriesRegex) {
            Matcher m = Pattern.compile("(?m)^" + seriesRegex + " (\\S+)$").matcher(metrics());
            return m.find() ? Double.parseDouble(m.group(1)) : -1;
        }

        @Override
        public String toString() {
            return name + "@" + address();
        }
    }

    /** A {@link ClientDriver} process: one front-end process of a simulated host. */
    static final class Client implements AutoCloseable {
        final String name;
        private final Process process;
        private final BufferedReader out;
        private final BufferedWriter in;

        private Client(String name, Process process) {
            this.name = name;
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        }

        static Client start(String name, Path log, List<String> relays, Path certs, Path table, boolean manage,
                            long elCount, int recordSize, long clockOffsetMillis) {
            List<String> command = java();
            command.add("-Xmx192m");
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClientDriver.class.getName(),
                    String.join(",", relays), certs.toString(), table.toString(), Boolean.toString(manage),
                    Long.toString(elCount), Integer.toString(recordSize), Long.toString(clockOffsetMillis)));
            try {
                Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
                Client client = new Client(name, process);
                String ready = client.read(90);
                if (ready == null || !ready.startsWith("ready")) {
                    client.close();
                    throw new AssertionError("client " + name + " did not start: " + ready + " (see " + log + ")");
                }
                return client;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Sends a command and returns its one-line answer. */
        String ask(String command) {
            return ask(command, 120);
        }

        String ask(String command, int timeoutSeconds) {
            send(command);
            String answer = read(timeoutSeconds);
            if (answer == null) {
                throw new AssertionError("client " + name + " gave no answer to '" + command + "'");
            }
            return answer;
        }

        void send(String command) {
            try {
                in.write(command);
                in.newLine();
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("client " + name + " is gone", e);
            }
        }

        private String read(int timeoutSeconds) {
            try {
                return CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        return null;
                    }
                }).get(timeoutSeconds, TimeUnit.SECONDS);
            } catch (Exception e) {
                return null;
            }
        }

        long pid() {
            return process.pid();
        }

        boolean alive() {
            return process.isAlive();
        }

        /** SIGKILL, and reap it. */
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                try {
                    in.write("quit");
                    in.newLine();
                    in.flush();
                    if (!process.waitFor(15, TimeUnit.SECONDS)) {
                        kill();
                    }
                } catch (IOException | InterruptedException e) {
                    kill();
                }
            }
        }
    }

    /** The integer after {@code name=} in a driver's answer. */
    static long field(String answer, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "=(\\d+)").matcher(answer);
        if (!m.find()) {
            throw new AssertionError("no " + name + "= in: " + answer);
        }
        return Long.parseLong(m.group(1));
    }
}
