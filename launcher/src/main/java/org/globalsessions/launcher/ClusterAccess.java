package org.globalsessions.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import picocli.CommandLine.Option;

import org.globalsessions.runtime.config.HostPort;

/**
 * The options of the commands that reach a running cluster from a short-lived process
 * ({@code get}, {@code set}, {@code del}, {@code status}): the certificates to present, how long
 * to wait, and {@code --verbose}. A picocli mixin.
 */
final class ClusterAccess {

    private static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost", "::1");

    @Option(names = "--certs", paramLabel = "DIR",
            description = "directory with node.key, node.crt and ca.crt (default: those of the `up` serving that address on "
                    + "this host, else .global-sessions/certs)")
    Path certs;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15", description = "give up after (default ${DEFAULT-VALUE})")
    int timeout;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    /**
     * {@code --certs}, or else the certificates of the {@code up} serving {@code target} on this
     * host (its note, {@link UpCommand#certsNote}), or else {@code .global-sessions/certs} here
     * (what {@code up} makes when run in this folder). Names every place it looked when none holds
     * a key.
     */
    Path certificates(HostPort target) {
        if (certs != null) {
            if (!Files.isReadable(certs.resolve("node.key"))) {
                throw new IllegalArgumentException("--certs " + certs.toAbsolutePath().normalize() + ": no readable node.key there; "
                        + "make certificates with `global-sessions certs --out DIR`, or leave --certs out to use those of "
                        + "`global-sessions up`");
            }
            return certs;
        }
        List<String> looked = new ArrayList<>();
        if (LOOPBACK.contains(target.host())) {
            Optional<Path> noted = UpCommand.notedCerts(target.port());
            if (noted.isPresent() && Files.isReadable(noted.get().resolve("node.key"))) {
                return noted.get();
            }
            looked.add(noted.map(dir -> dir + " (noted by `up` on port " + target.port() + ", but without node.key)")
                    .orElse("no running `up` on port " + target.port() + " (it leaves a note in "
                            + UpCommand.certsNote(target.port()) + ")"));
        }
        Path here = Path.of(".global-sessions", "certs").toAbsolutePath();
        if (Files.isReadable(here.resolve("node.key"))) {
            return here;
        }
        looked.add(here + " (no node.key there)");
        throw new IllegalArgumentException("no certificates to reach " + target + ": looked at " + String.join(", then ", looked)
                + "; start `global-sessions up`, or pass --certs DIR (node.key, node.crt and ca.crt, as "
                + "`global-sessions certs --out DIR` makes them)");
    }
}
