package org.globalsessions.runtime.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import com.typesafe.config.Config;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Artery's TLS for global-sessions: mutual TLS 1.3 whose peers must present a certificate signed
 * by a trusted CA <em>and</em> carrying an identity ({@link Identity}) this process accepts on that
 * side of the connection; and every refused handshake explained, on both sides.
 *
 * <h2>Where the check sits</h2>
 * Pekko's own providers check a peer after the handshake ({@code verifyServerSession}), by
 * comparing subject names. Here the check is in the trust manager, during the handshake: a refused
 * peer gets a TLS alert at once, and the refusal can name the certificate even when its chain is
 * not trusted (the trust manager sees the chain before anything is accepted). Artery opens one
 * connection per direction (replies travel on the answering side's own outbound connection), so
 * both directions are checked, each with its own set: {@code accept-inbound} for connections
 * peers open to this process, {@code accept-outbound} for those it opens.
 *
 * <h2>What is said</h2>
 * A refusal is logged at WARN once per peer certificate and reason (not at every reconnect),
 * naming the certificate's subject, role, issuer and validity and what was expected. Failures of
 * outbound handshakes (the peer refused this process's certificate, an unknown CA, a peer that does
 * not speak TLS) are recorded in {@link TlsPeers} by the peer's address, so that a client that gets
 * no answer can say why instead of only "no answer within 2000 ms".
 *
 * <h2>Settings</h2>
 * {@code pekko.remote.artery.ssl.global-sessions-engine} (assembled by {@code PekkoConfig}):
 * {@code key-file}, {@code cert-file}, {@code ca-cert-file} (PEM; the CA file may hold several
 * CAs) or {@code key-store}, {@code key-store-password}, {@code trust-store},
 * {@code trust-store-password} (PKCS#12); {@code reload-interval} (the files are read again after
 * it, for rotation); {@code accept-inbound}, {@code accept-outbound} (identity names);
 * {@code protocol}, {@code enabled-algorithms}.
 */
public final class IdentitySSLEngineProvider implements SSLEngineProvider {

    /** The config section this provider reads. */
    public static final String SECTION = "pekko.remote.artery.ssl.global-sessions-engine";

    private static final Logger log = LoggerFactory.getLogger(IdentitySSLEngineProvider.class);

    private final Config config;
    private final TlsPeers peers;
    private final Set<Identity> acceptInbound;
    private final Set<Identity> acceptOutbound;
    private final Duration reloadInterval;
    private final String protocol;
    private final String[] algorithms;
    private volatile Loaded loaded;

    /** The context in use, until {@code expires}. */
    private record Loaded(SSLContext context, X509Certificate own, Instant expires) {
    }

    /** What Pekko calls when the provider is named in config; it records into the system's {@link TlsPeers}. */
    public IdentitySSLEngineProvider(ActorSystem system) {
        this(system.settings().config().getConfig(SECTION), TlsPeers.get(system));
    }

    public IdentitySSLEngineProvider(Config config, TlsPeers peers) {
        this.config = config;
        this.peers = peers;
        this.acceptInbound = roles(config, "accept-inbound");
        this.acceptOutbound = roles(config, "accept-outbound");
        this.reloadInterval = config.getDuration("reload-interval");
        this.protocol = config.getString("protocol");
        this.algorithms = config.getStringList("enabled-algorithms").toArray(String[]::new);
        this.loaded = load();
    }

    private static Set<Identity> roles(Config config, String path) {
        Set<Identity> roles = EnumSet.noneOf(Identity.class);
        for (String id : config.getStringList(path)) {
            roles.add(Identity.parse(id).orElseThrow(() -> new IllegalArgumentException(
                    SECTION + "." + path + ": unknown identity '" + id + "'; known: node, app, operator")));
        }
        return roles;
    }

    @Override
    public SSLEngine createServerSSLEngine(String hostname, int port) {
        SSLEngine engine = context().context().createSSLEngine(hostname, port);
        engine.setUseClientMode(false);
        engine.setNeedClientAuth(true);
        return configure(engine, null);
    }

    @Override
    public SSLEngine createClientSSLEngine(String hostname, int port) {
        SSLEngine engine = context().context().createSSLEngine(hostname, port);
        engine.setUseClientMode(true);
        return configure(engine, hostname + ":" + port);
    }

    private SSLEngine configure(SSLEngine engine, String peer) {
        engine.setEnabledProtocols(new String[] {protocol});
        engine.setEnabledCipherSuites(algorithms);
        return new ObservedSSLEngine(engine, failure -> failed(peer, failure));
    }

    /** Checked in the trust manager during the handshake: nothing is left to verify afterwards. */
    @Override
    public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
        return Option.empty();
    }

    @Override
    public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
        return Option.empty();
    }

    private Loaded context() {
        Loaded current = loaded;
        if (Instant.now().isAfter(current.expires())) {
            try {
                current = load();
                loaded = current;
            } catch (RuntimeException e) {
                log.warn("tls: cannot read the key or certificates again ({}); keeping those read before", e.getMessage());
                current = new Loaded(current.context(), current.own(), Instant.now().plus(reloadInterval));
                loaded = current;
            }
        }
        return current;
    }

    private Loaded load() {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            char[] password;
            if (config.hasPath("key-file")) {
                password = new char[0];
                Path certFile = Path.of(config.getString("cert-file"));
                Path keyFile = Path.of(config.getString("key-file"));
                X509Certificate own = Certificates.readCertificate(certFile);
                PrivateKey key = Certificates.readPrivateKey(keyFile);
                Certificates.requireMatchingKey(key, own, keyFile, certFile);
                keys.load(null, null);
                keys.setKeyEntry("own", key, password, new Certificate[] {own});
                trust.load(null, null);
                List<X509Certificate> cas = Certificates.readCertificates(Path.of(config.getString("ca-cert-file")));
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
            } else {
                password = config.getString("key-store-password").toCharArray();
                try (InputStream in = Files.newInputStream(Path.of(config.getString("key-store")))) {
                    keys.load(in, password);
                }
                try (InputStream in = Files.newInputStream(Path.of(config.getString("trust-store")))) {
                    trust.load(in, config.getString("trust-store-password").toCharArray());
                }
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            X509ExtendedTrustManager base = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    base = x;
                }
            }
            X509Certificate own = ownCertificate(keys);
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(kmf.getKeyManagers(), new TrustManager[] {new IdentityTrustManager(base)}, null);
            checkOwn(own);
            return new Loaded(context, own, Instant.now().plus(reloadInterval));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("tls: cannot build the TLS context from " + SECTION + ": " + e.getMessage(), e);
        }
    }

    private static X509Certificate ownCertificate(KeyStore keys) throws GeneralSecurityException {
        for (String alias : java.util.Collections.list(keys.aliases())) {
            if (keys.isKeyEntry(alias) && keys.getCertificate(alias) instanceof X509Certificate x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the key store holds no key with an X.509 certificate");
    }

    /** Says once, at WARN, what is wrong with this process's own certificate: peers will refuse it. */
    private void checkOwn(X509Certificate own) {
        String problem = ownProblem(own, Instant.now());
        if (problem != null && peers.firstTime("own " + problem)) {
            log.warn("tls: {}", problem);
        }
    }

    /**
     * What makes every peer refuse {@code own} at {@code now}, or null: expired, not yet valid, or
     * without a role. Public for the edge and the commands, which refuse to start with such a certificate.
     */
    public static String ownProblem(X509Certificate own, Instant now) {
        String described = Identity.describe(own);
        if (now.isAfter(own.getNotAfter().toInstant())) {
            return "this process's certificate " + described + " has expired: every peer refuses it; issue a new one "
                    + "(global-sessions certs)";
        }
        if (now.isBefore(own.getNotBefore().toInstant())) {
            return "this process's certificate " + described + " is not valid yet (is this host's clock right?)";
        }
        if (Identity.of(own).isEmpty()) {
            return "this process's certificate " + described + " carries no global-sessions identity (made before identities "
                    + "existed, or by another tool): every peer refuses it; issue a new one with global-sessions certs";
        }
        return null;
    }

    /** A handshake failed: explain it (outbound: recorded for the peer's address) and log it once. */
    private void failed(String peer, SSLException failure) {
        Throwable refusal = failure;
        while (refusal != null && !(refusal instanceof Refused)) {
            refusal = refusal.getCause();
        }
        if (refusal != null) {
            return; // this side refused the peer's certificate: logged and recorded by the trust manager
        }
        String reason = String.valueOf(failure.getMessage());
        String message;
        if (reason.contains("Unsupported or unrecognized SSL message") || reason.contains("plaintext")) {
            message = peer == null
                    ? "a peer connected without TLS (plain TCP) and was refused: is a client or node started with "
                    + "tls.enabled = false?"
                    : peer + " does not speak TLS (is it started with tls.enabled = false?)";
        } else if (reason.contains("Received fatal alert")) {
            String own = Identity.describe(loaded.own());
            message = peer == null
                    ? "a peer refused this process's certificate " + own + " (" + reason + "); the peer's log says why"
                    : peer + " refused this process's certificate " + own + " (" + reason + "): it does not trust the CA "
                    + "that signed it, the certificate has expired, or its identity is not one " + peer + " accepts; its log "
                    + "says which";
        } else {
            message = (peer == null ? "an inbound" : "the") + " TLS handshake" + (peer == null ? "" : " with " + peer)
                    + " failed: " + reason;
        }
        record(peer, message, "tls: {}");
    }

    private void record(String peer, String message, String logFormat) {
        if (peer != null) {
            peers.problem(peer, message);
        } else {
            peers.inboundProblem(message);
        }
        if (peers.firstTime(message)) {
            log.warn(logFormat, message);
        }
    }

    /** A peer certificate this process refused; its message is the whole explanation. */
    static final class Refused extends CertificateException {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The PKIX trust manager of the configured CAs, then the identity check; on a refusal, a
     * sentence naming the peer's certificate, recorded and logged once.
     */
    private final class IdentityTrustManager extends X509ExtendedTrustManager {

        private final X509ExtendedTrustManager base;

        IdentityTrustManager(X509ExtendedTrustManager base) {
            this.base = base;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain, null, acceptInbound, () -> base.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain, engine.getPeerHost() + ":" + engine.getPeerPort(), acceptOutbound,
                    () -> base.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain, null, acceptInbound, () -> base.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain, null, acceptOutbound, () -> base.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, null, acceptInbound, () -> base.checkClientTrusted(chain, authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, null, acceptOutbound, () -> base.checkServerTrusted(chain, authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return base.getAcceptedIssuers();
        }

        /** {@code peer} is the address this process connected to, or null for an inbound connection. */
        private void check(X509Certificate[] chain, String peer, Set<Identity> accepted, PkixCheck pkix) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw refuse(peer, "presented no certificate", null);
            }
            X509Certificate leaf = chain[0];
            String who = (peer == null ? "an inbound peer" : peer) + " presented " + Identity.describe(leaf);
            try {
                pkix.check();
            } catch (CertificateException e) {
                throw refuse(peer, who + ": " + pkixReason(e, leaf), e);
            }
            Optional<Identity> role = Identity.of(leaf);
            if (role.isEmpty() || !accepted.contains(role.get())) {
                throw refuse(peer, who + "; this process accepts only " + Identity.names(accepted) + " certificates on "
                        + "connections it " + (peer == null ? "receives" : "opens") + hint(role, accepted), null);
            }
            if (peer != null) {
                peers.verified(peer, role.get());
            }
        }

        private String pkixReason(CertificateException e, X509Certificate leaf) {
            Throwable cause = e;
            while (cause != null) {
                if (cause instanceof CertificateExpiredException || cause.getMessage() != null
                        && cause.getMessage().contains("validity check failed")) {
                    Date now = new Date();
                    if (now.after(leaf.getNotAfter())) {
                        return "it expired at " + leaf.getNotAfter().toInstant() + "; its holder needs a new one (global-sessions certs)";
                    }
                }
                if (cause instanceof CertificateNotYetValidException) {
                    return "it is not valid yet (is a clock wrong?)";
                }
                cause = cause.getCause();
            }
            Date now = new Date();
            if (now.after(leaf.getNotAfter())) {
                return "it expired at " + leaf.getNotAfter().toInstant() + "; its holder needs a new one (global-sessions certs)";
            }
            String detail = String.valueOf(e.getMessage());
            boolean usual = detail.contains("unable to find valid certification path") || detail.contains("does not chain");
            return "it is not signed by a CA this process trusts (" + trusted() + "): give both sides certificates "
                    + "of the same CA, or add its CA to the CA file" + (usual ? "" : " (" + detail + ")");
        }

        private String trusted() {
            StringBuilder names = new StringBuilder();
            for (X509Certificate ca : base.getAcceptedIssuers()) {
                names.append(names.isEmpty() ? "" : ", ").append(ca.getSubjectX500Principal().getName());
            }
            return names.toString();
        }

        private Refused refuse(String peer, String message, Throwable cause) {
            record(peer, message, "tls: refused: {}");
            return new Refused(message, cause);
        }
    }

    private static String hint(Optional<Identity> role, Set<Identity> accepted) {
        if (role.isEmpty()) {
            return " (a certificate made before identities existed? issue a new one with global-sessions certs)";
        }
        if (role.get() == Identity.APP && !accepted.contains(Identity.APP)) {
            return " (an application key cannot stand in for a node)";
        }
        return "";
    }

    @FunctionalInterface
    private interface PkixCheck {
        void check() throws CertificateException;
    }
}
