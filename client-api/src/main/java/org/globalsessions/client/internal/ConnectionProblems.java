package org.globalsessions.client.internal;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.IdentitySSLEngineProvider;
import org.globalsessions.runtime.tls.TlsPeers;

/**
 * Why the edge's relays may not be answering, as far as its connections know: appended to the
 * "no answer" and "no relay is reachable" failures, so that a refused handshake, an unknown CA, an
 * expired certificate or a plaintext client reaches the caller as that, naming the certificate
 * (issue 22, item 7). Reads what the edge's TLS provider recorded ({@link TlsPeers}).
 */
final class ConnectionProblems {

    private final List<HostPort> relays;
    private final boolean tls;
    /** The edge's system's record, once that system runs. */
    private volatile TlsPeers peers;

    ConnectionProblems(GlobalSessionsSettings settings) {
        this.relays = settings.edge().relays();
        this.tls = settings.tls().enabled();
    }

    /** Reads from {@code peers} from now on: the record of the edge's actor system, once it runs. */
    void attach(TlsPeers peers) {
        this.peers = peers;
    }

    /** "" when nothing is known; else "; " and what went wrong with the relays' connections. */
    String explain() {
        if (!tls) {
            return "; this client uses plain TCP (tls.enabled = false): a relay that uses TLS drops its connections "
                    + "without an answer (and logs \"a peer connected without TLS\"); give it certificates "
                    + "(SessionCacheManagerBuilder.certificates) unless the cluster is configured without TLS too";
        }
        TlsPeers known = peers;
        return known == null ? "" : known.explain(relays);
    }

    /**
     * Refuses to start with a certificate every relay would refuse (expired, not yet valid, without a
     * role), naming it; the caller learns it at once instead of from a timeout.
     */
    static void checkOwnCertificate(GlobalSessionsSettings settings) {
        GlobalSessionsSettings.Tls tls = settings.tls();
        if (!tls.enabled() || !tls.usesPem()) {
            return;
        }
        Path file = tls.certFile();
        X509Certificate own = Certificates.readCertificate(file);
        String problem = IdentitySSLEngineProvider.ownProblem(own, Instant.now());
        if (problem != null) {
            throw new IllegalArgumentException("tls.cert-file " + file + ": " + problem);
        }
    }
}
