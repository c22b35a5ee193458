package org.globalsessions.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.runtime.config.GlobalSessionsSettings;

/** Issue 22 item 5: a meter and a WARN 30 days before a certificate expires; a CA bundle is watched whole. */
class CertificateExpiryTest {

    @TempDir
    Path dir;

    private static Instant notAfter(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getNotAfter().toInstant();
        }
    }

    @Test
    void aCertificateCloseToItsEndIsMeteredAndWarnedAboutOnceADay() throws Exception {
        Certificates.NodeFiles files = Certificates.development(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CertificateExpiry expiry = CertificateExpiry.unscheduled(
                GlobalSessionsSettings.Tls.pem(files.keyFile(), files.certFile(), files.caFile()), registry);
        Instant end = notAfter(files.certFile());

        assertEquals(List.of(), expiry.check(Instant.now()), "years left: nothing to say");
        double left = registry.get("global_sessions_tls_certificate_expiry_seconds").tag("file", "node.crt").gauge().value();
        assertEquals(Duration.between(Instant.now(), end).toSeconds(), left, 60);

        Instant tenDaysBefore = end.minus(Duration.ofDays(10)).minusSeconds(60);
        List<String> said = expiry.check(tenDaysBefore);
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).contains("node.crt") && said.get(0).contains("expires in 10 days")
                && said.get(0).contains("global-sessions certs"), said.get(0));
        assertEquals(Duration.ofDays(10).plusSeconds(60).toSeconds(),
                registry.get("global_sessions_tls_certificate_expiry_seconds").tag("file", "node.crt").gauge().value(), 1);
        assertEquals(List.of(), expiry.check(tenDaysBefore.plus(Duration.ofHours(1))), "once a day");
        assertEquals(1, expiry.check(tenDaysBefore.plus(Duration.ofDays(1))).size(), "and again the next day");
        List<String> expired = expiry.check(end.plus(Duration.ofDays(3)));
        assertTrue(expired.stream().anyMatch(m -> m.contains("node.crt") && m.contains("expired on")), expired.toString());
    }

    @Test
    void everyCaOfABundleIsWatched() throws Exception {
        Certificates.NodeFiles files = Certificates.development(dir);
        Path other = dir.resolve("other");
        Certificates.writeAuthority(Certificates.newAuthority("another CA"), other);
        Files.write(files.caFile(), Files.readAllBytes(other.resolve(Certificates.CA_FILE)), StandardOpenOption.APPEND);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CertificateExpiry.unscheduled(GlobalSessionsSettings.Tls.pem(files.keyFile(), files.certFile(), files.caFile()), registry)
                .check(Instant.now());
        assertNotNull(registry.get("global_sessions_tls_certificate_expiry_seconds").tag("file", "ca.crt").tag("index", "1").gauge());
    }
}
