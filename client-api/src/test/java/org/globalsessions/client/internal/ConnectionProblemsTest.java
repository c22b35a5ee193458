package org.globalsessions.client.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.Identity;
import org.globalsessions.runtime.tls.TlsPeers;

/** What an edge says about its connections before and instead of "no answer" (issue 22, item 7). */
class ConnectionProblemsTest {

    @TempDir
    Path dir;

    private static GlobalSessionsSettings settings(Certificates.NodeFiles files) {
        Map<String, Object> keys = new HashMap<>();
        String root = GlobalSessionsSettings.ROOT + ".";
        keys.put(root + "edge.relays", List.of("127.0.0.1:25520"));
        keys.put(root + "tls.enabled", files != null);
        if (files != null) {
            keys.put(root + "tls.key-file", files.keyFile().toString());
            keys.put(root + "tls.cert-file", files.certFile().toString());
            keys.put(root + "tls.ca-file", files.caFile().toString());
        }
        return SettingsReader.read(ConfigFactory.parseMap(keys, "test"), "test");
    }

    @Test
    void anExpiredCertificateIsRefusedBeforeAnythingConnectsNamingIt() {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        Instant now = Instant.now();
        Certificates.NodeFiles expired = Certificates.writeIdentity(ca, dir, "app", Identity.APP, List.of(),
                now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionProblems.checkOwnCertificate(settings(expired)));
        assertTrue(e.getMessage().startsWith("tls.cert-file " + expired.certFile() + ": this process's certificate "
                + "CN=global-sessions-app (identity app") && e.getMessage().contains("has expired"), e.getMessage());

        Certificates.NodeFiles fine = Certificates.writeIdentity(ca, dir, "fine", Identity.APP, List.of());
        assertDoesNotThrow(() -> ConnectionProblems.checkOwnCertificate(settings(fine)));
    }

    @Test
    void aPlaintextClientIsToldThatItSpeaksPlainTcp() {
        ConnectionProblems problems = new ConnectionProblems(settings(null));
        assertTrue(problems.explain().contains("this client uses plain TCP (tls.enabled = false)"), problems.explain());
    }

    @Test
    void aTlsClientSaysNothingUntilItsProviderRecordedAProblem() {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        ConnectionProblems problems = new ConnectionProblems(settings(Certificates.writeIdentity(ca, dir, "app", Identity.APP,
                List.of())));
        assertEquals("", problems.explain());
        problems.attach(new TlsPeers());
        assertEquals("", problems.explain());
    }
}
