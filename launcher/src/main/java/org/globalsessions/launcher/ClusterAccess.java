package org.globalsessions.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import picocli.CommandLine.Option;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.runtime.tls.IdentitySSLEngineProvider;

/**
 * The options of the commands that reach a running cluster from a short-lived process
 * ({@code get}, {@code set}, {@code del}, {@code status}): the certificates to present (the
 * operator identity, {@code operator.key} and {@code operator.crt}: docs/security.md), how long
 * to wait, and {@code --verbose}. A picocli mixin.
 */
final class ClusterAccess {

    private static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost", "::1");
    static final String KEY = Identity.OPERATOR.id() + ".key";

    @Option(names = "--certs", paramLabel = "DIR",
            description = "directory with the operator identity, operator.key and operator.crt, and ca.crt (default: those of "
                    + "the `up` serving that address on this host, else .global-sessions/certs)")
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
            if (!Files.isReadable(certs.resolve(KEY))) {
                throw new IllegalArgumentException("--certs " + certs.toAbsolutePath().normalize() + ": no readable " + KEY + " there; "
                        + "make certificates with `global-sessions certs --out DIR`, or leave --certs out to use those of "
                        + "`global-sessions up`");
            }
            return certs;
        }
        List<String> looked = new ArrayList<>();
        if (LOOPBACK.contains(target.host())) {
            Optional<Path> noted = UpCommand.notedCerts(target.port());
            if (noted.isPresent() && Files.isReadable(noted.get().resolve(KEY))) {
                return noted.get();
            }
            looked.add(noted.map(dir -> dir + " (noted by `up` on port " + target.port() + ", but without " + KEY + ")")
                    .orElse("no running `up` on port " + target.port() + " (it leaves a note in "
                            + UpCommand.certsNote(target.port()) + ")"));
        }
        Path here = Path.of(".global-sessions", "certs").toAbsolutePath();
        if (Files.isReadable(here.resolve(KEY))) {
            return here;
        }
        looked.add(here + " (no " + KEY + " there)");
        throw new IllegalArgumentException("no certificates to reach " + target + ": looked at " + String.join(", then ", looked)
                + "; start `global-sessions up`, or pass --certs DIR (operator.key, operator.crt and ca.crt, as "
                + "`global-sessions certs --out DIR` makes them)");
    }

    /**
     * The operator identity's files in {@code dir}, checked: a certificate of another identity (an
     * application's, a node's), an expired one or one without an identity is refused here, naming it,
     * instead of being presented to the cluster.
     */
    static Certificates.NodeFiles operatorFiles(Path dir) {
        Certificates.NodeFiles files = Certificates.files(dir, Identity.OPERATOR.id());
        var own = Certificates.readCertificate(files.certFile());
        var role = Identity.of(own);
        if (role.isPresent() && role.get() != Identity.OPERATOR) {
            throw new IllegalArgumentException(files.certFile() + " is " + Identity.describe(own) + ": get, set, del and status "
                    + "need the operator identity (operator.key, operator.crt from `global-sessions certs`)");
        }
        String problem = IdentitySSLEngineProvider.ownProblem(own, java.time.Instant.now());
        if (problem != null) {
            throw new IllegalArgumentException(files.certFile() + ": " + problem);
        }
        return files;
    }
}
