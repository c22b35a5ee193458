package org.globalsessions.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.globalsessions.testkit.ChildJvm;
import org.globalsessions.testkit.LeakedIds;

/** Client drivers of the multi-process tests (the nodes are testkit's {@code NodeProcess}es). */
final class Processes {

    private Processes() {
    }

    /** A {@link ClientDriver} process: one front-end process of a simulated host. */
    static final class Client implements AutoCloseable {
        final String name;
        private final ChildJvm jvm;

        private Client(String name, ChildJvm jvm) {
            this.name = name;
            this.jvm = jvm;
        }

        static Client start(String name, Path log, List<String> relays, Path certs, Path table, boolean manage,
                            long elCount, int recordSize, long clockOffsetMillis) {
            ChildJvm jvm = ChildJvm.mainClass(ClientDriver.class).options("-XX:+UseSerialGC", "-Xmx192m")
                    .args(String.join(",", relays), certs, table, manage, elCount, recordSize, clockOffsetMillis)
                    .errorLog(log).start();
            Client client = new Client(name, jvm);
            String ready = jvm.readLine(Duration.ofSeconds(90));
            if (ready == null || !ready.startsWith("ready")) {
                client.close();
                throw new AssertionError("client " + name + " did not start: " + ready + " (see " + log + ")");
            }
            return client;
        }

        /** Sends a command and returns its one-line answer. */
        String ask(String command) {
            return ask(command, 120);
        }

        String ask(String command, int timeoutSeconds) {
            registerIds(command);
            send(command);
            String answer = jvm.readLine(Duration.ofSeconds(timeoutSeconds));
            if (answer == null) {
                throw new AssertionError("client " + name + " gave no answer to '" + command + "'");
            }
            return answer;
        }

        /** The session ids {@code command} hands the client, for the search of the logs ({@link LeakedIds}). */
        private static void registerIds(String command) {
            String[] words = command.split(" ");
            if (words.length < 2) {
                return;
            }
            switch (words[0]) {
                case "set", "get", "local", "del" -> LeakedIds.key(words[1]);
                case "fill", "delall", "localcheck", "check", "load", "hammer" -> LeakedIds.prefix(words[1]);
                default -> { }
            }
        }

        void send(String command) {
            jvm.writeLine(command);
        }

        long pid() {
            return jvm.pid();
        }

        boolean alive() {
            return jvm.isAlive();
        }

        /** SIGKILL, and reap it. */
        void kill() {
            jvm.kill();
        }

        /** Asks it to quit; kills it if it has not within 15 s. */
        @Override
        public void close() {
            if (jvm.isAlive()) {
                try {
                    jvm.writeLine("quit");
                    jvm.waitFor(Duration.ofSeconds(15));
                } catch (RuntimeException | AssertionError e) {
                    jvm.kill();
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
