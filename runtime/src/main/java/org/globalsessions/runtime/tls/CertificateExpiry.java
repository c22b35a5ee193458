package org.globalsessions.runtime.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;

/**
 * Watches the certificates a process uses for TLS (its own, and the CAs it trusts): the meter
 * {@code global_sessions_tls_certificate_expiry_seconds} ({@code file}, {@code index} within the
 * file) says how long each has left, and a WARN names each one that expires within
 * {@link #WARN_BEFORE} (an ERROR once it has expired), once a day. The files are read again at
 * every check (hourly), so a certificate put in place is seen without a restart.
 */
public final class CertificateExpiry implements AutoCloseable {

    /** How long before a certificate expires it is warned about. */
    public static final Duration WARN_BEFORE = Duration.ofDays(30);
    private static final Duration CHECK_EVERY = Duration.ofHours(1);
    private static final Duration WARN_EVERY = Duration.ofDays(1);
    private static final Logger log = LoggerFactory.getLogger(CertificateExpiry.class);

    private final GlobalSessionsSettings.Tls tls;
    private final MeterRegistry registry;
    private final Map<String, Double> secondsLeft = new ConcurrentHashMap<>();
    private final Map<String, Instant> warned = new HashMap<>();
    private final ScheduledExecutorService timer;

    private CertificateExpiry(GlobalSessionsSettings.Tls tls, MeterRegistry registry, boolean scheduled) {
        this.tls = tls;
        this.registry = registry;
        this.timer = scheduled ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "global-sessions-certificate-expiry");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Checks {@code tls}'s certificates now and every hour, recording into {@code registry};
     * null when TLS is off. Close it with the process.
     */
    public static CertificateExpiry start(GlobalSessionsSettings.Tls tls, MeterRegistry registry) {
        if (!tls.enabled()) {
            return null;
        }
        CertificateExpiry expiry = new CertificateExpiry(tls, registry, true);
        expiry.check(Instant.now());
        expiry.timer.scheduleWithFixedDelay(() -> expiry.check(Instant.now()), CHECK_EVERY.toMinutes(), CHECK_EVERY.toMinutes(),
                TimeUnit.MINUTES);
        return expiry;
    }

    /** A watcher that checks only when told (tests). */
    static CertificateExpiry unscheduled(GlobalSessionsSettings.Tls tls, MeterRegistry registry) {
        return new CertificateExpiry(tls, registry, false);
    }

    /**
     * Reads the certificates again and updates the meter as of {@code now}; logs what expires
     * within {@link #WARN_BEFORE} (each certificate at most once a day) and returns those messages.
     */
    synchronized List<String> check(Instant now) {
        List<String> said = new ArrayList<>();
        Map<String, List<X509Certificate>> files;
        try {
            files = certificates();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            log.warn("cannot read the TLS certificates to check when they expire: {}", e.getMessage());
            return said;
        }
        files.forEach((file, certificates) -> {
            for (int i = 0; i < certificates.size(); i++) {
                X509Certificate certificate = certificates.get(i);
                String key = file + "#" + i;
                Instant notAfter = certificate.getNotAfter().toInstant();
                double left = Duration.between(now, notAfter).toSeconds();
                if (secondsLeft.put(key, left) == null) {
                    Gauge.builder("global_sessions_tls_certificate_expiry_seconds", secondsLeft, m -> m.getOrDefault(key, Double.NaN))
                            .tag("file", file).tag("index", Integer.toString(i))
                            .description("seconds until this TLS certificate expires (negative: expired)").register(registry);
                }
                if (Duration.between(now, notAfter).compareTo(WARN_BEFORE) > 0) {
                    continue;
                }
                Instant last = warned.get(key);
                if (last != null && Duration.between(last, now).compareTo(WARN_EVERY) < 0) {
                    continue;
                }
                warned.put(key, now);
                String what = "TLS certificate " + file + (certificates.size() > 1 ? " [" + i + "]" : "") + " ("
                        + certificate.getSubjectX500Principal().getName() + ")";
                String renew = tls.usesPem()
                        ? "issue a new one with `global-sessions certs` and put it in place (read again within tls.reload-interval)"
                        : "issue a new one and restart the process with it";
                if (notAfter.isAfter(now)) {
                    String message = what + " expires in " + Duration.between(now, notAfter).toDays() + " days, on "
                            + notAfter.atOffset(ZoneOffset.UTC).toLocalDate() + ": " + renew;
                    log.warn(message);
                    said.add(message);
                } else {
                    String message = what + " expired on " + notAfter.atOffset(ZoneOffset.UTC).toLocalDate()
                            + ": peers refuse connections that depend on it; " + renew;
                    log.error(message);
                    said.add(message);
                }
            }
        });
        return said;
    }

    /** The certificates by file name: this process's own, then the CAs it trusts. */
    private Map<String, List<X509Certificate>> certificates() throws IOException, GeneralSecurityException {
        Map<String, List<X509Certificate>> files = new java.util.LinkedHashMap<>();
        if (tls.usesPem()) {
            files.put(tls.certFile().getFileName().toString(), pem(tls.certFile()));
            files.put(tls.caFile().getFileName().toString(), pem(tls.caFile()));
        } else {
            files.put(tls.keyStore().getFileName().toString(), store(tls.keyStore(), tls.keyStorePassword()));
            files.put(tls.trustStore().getFileName().toString(), store(tls.trustStore(), tls.trustStorePassword()));
        }
        return files;
    }

    private static List<X509Certificate> pem(Path file) throws IOException, GeneralSecurityException {
        return TlsFiles.certificates(file);
    }

    private static List<X509Certificate> store(Path file, String password) throws IOException, GeneralSecurityException {
        KeyStore store = TlsFiles.keyStore(file, password.toCharArray());
        List<X509Certificate> all = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            if (store.getCertificate(alias) instanceof X509Certificate certificate) {
                all.add(certificate);
            }
        }
        return all;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
