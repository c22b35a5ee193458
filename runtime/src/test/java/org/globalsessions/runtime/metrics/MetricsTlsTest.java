package org.globalsessions.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsException;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;

/**
 * Issue 22 item 6: the metrics endpoint is plain only on loopback; anywhere else it needs TLS
 * (with a client certificate the cluster's CA signed) or an explicit {@code metrics.tls = off}.
 */
class MetricsTlsTest {

    @TempDir
    Path certificates;

    private GlobalSessionsSettings settings(Map<String, Object> metrics, boolean tls) {
        Map<String, Object> all = new HashMap<>();
        metrics.forEach((key, value) -> all.put("global-sessions.metrics." + key, value));
        all.put("global-sessions.tls.enabled", tls);
        if (tls) {
            Certificates.NodeFiles files = Certificates.development(certificates);
            all.put("global-sessions.tls.key-file", files.keyFile().toString());
            all.put("global-sessions.tls.cert-file", files.certFile().toString());
            all.put("global-sessions.tls.ca-file", files.caFile().toString());
        }
        return SettingsReader.read(ConfigFactory.parseMap(all), "test");
    }

    @Test
    void onlyLoopbackAddressesAreLoopback() {
        assertTrue(MetricsTls.loopback("127.0.0.1"));
        assertTrue(MetricsTls.loopback("localhost"));
        assertTrue(MetricsTls.loopback("::1"));
        assertFalse(MetricsTls.loopback("0.0.0.0"), "every address");
        assertFalse(MetricsTls.loopback("192.0.2.10"));
    }

    @Test
    void plaintextOffLoopbackIsRefusedUnlessSaidSo() {
        String message = assertThrows(SettingsException.class,
                () -> settings(Map.of("port", 9100, "hostname", "192.0.2.10"), false)).getMessage();
        assertTrue(message.contains("metrics.tls") && message.contains("192.0.2.10") && message.contains("metrics.tls = off"), message);
        assertFalse(MetricsTls.wanted(settings(Map.of("port", 9100, "hostname", "192.0.2.10", "tls", "off"), false).metrics()));
        assertFalse(MetricsTls.wanted(settings(Map.of("port", 9100, "hostname", "127.0.0.1"), false).metrics()), "loopback stays plain");
        assertTrue(MetricsTls.wanted(settings(Map.of("port", 9100, "hostname", "192.0.2.10"), true).metrics()));
        assertNull(MetricsTls.context(settings(Map.of("port", 9100, "hostname", "127.0.0.1"), true)));
        String bad = assertThrows(SettingsException.class, () -> settings(Map.of("tls", "maybe"), false)).getMessage();
        assertTrue(bad.contains("metrics.tls = maybe") && bad.contains("auto, on or off"), bad);
    }

    @Test
    void overTlsTheEndpointAnswersOnlyClientsWithACertificateOfTheCa() throws Exception {
        GlobalSessionsSettings tls = settings(Map.of("port", 9100, "hostname", "127.0.0.1", "tls", "on"), true);
        SSLContext context = MetricsTls.context(tls);
        PrometheusMeterRegistry registry = PrometheusEndpoint.newRegistry();
        Counter.builder("metrics_tls_test_total").register(registry).increment();
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, "127.0.0.1", 0, context)) {
            String url = "https://127.0.0.1:" + endpoint.port() + "/metrics";
            HttpsURLConnection withCertificate = (HttpsURLConnection) new URL(url).openConnection();
            withCertificate.setSSLSocketFactory(context.getSocketFactory()); // the node's own identity, as a scraper's
            assertEquals(200, withCertificate.getResponseCode());
            try (InputStream body = withCertificate.getInputStream()) {
                assertTrue(new String(body.readAllBytes(), StandardCharsets.UTF_8).contains("metrics_tls_test_total"));
            }

            SSLContext trustOnly = SSLContext.getInstance("TLSv1.3");
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(MetricsTls.trustStoreOf(tls.tls().caFile()));
            trustOnly.init(null, trust.getTrustManagers(), null);
            HttpsURLConnection anonymous = (HttpsURLConnection) new URL(url).openConnection();
            anonymous.setSSLSocketFactory(trustOnly.getSocketFactory());
            assertThrows(IOException.class, anonymous::getResponseCode, "no client certificate: no answer");

            HttpURLConnection plain = (HttpURLConnection) new URL("http://127.0.0.1:" + endpoint.port() + "/metrics").openConnection();
            plain.setReadTimeout(5_000);
            assertThrows(IOException.class, plain::getResponseCode, "plain HTTP: no answer");
        }
    }
}
