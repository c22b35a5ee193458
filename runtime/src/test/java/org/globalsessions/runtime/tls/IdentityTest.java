package org.globalsessions.runtime.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {

    @TempDir
    Path dir;

    @Test
    void eachCertificateCarriesTheRoleItWasIssuedFor() {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        for (Identity role : Identity.values()) {
            Certificates.NodeFiles files = Certificates.writeIdentity(ca, dir, role.id(), role, List.of("127.0.0.1"));
            assertEquals(Optional.of(role), Identity.of(Certificates.readCertificate(files.certFile())), role.id());
        }
    }

    /** A rotation replaces a key and its certificate one file at a time: a reload in between must not pair them. */
    @Test
    void aKeyIsUsedOnlyWithItsOwnCertificate() {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        Certificates.NodeFiles app = Certificates.writeIdentity(ca, dir, "app", Identity.APP, List.of());
        Certificates.NodeFiles node = Certificates.writeIdentity(ca, dir, "node", Identity.NODE, List.of("127.0.0.1"));
        Certificates.requireMatchingKey(Certificates.readPrivateKey(app.keyFile()), Certificates.readCertificate(app.certFile()),
                app.keyFile(), app.certFile());
        IllegalArgumentException mixed = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Certificates.requireMatchingKey(Certificates.readPrivateKey(node.keyFile()),
                        Certificates.readCertificate(app.certFile()), node.keyFile(), app.certFile()));
        assertEquals(node.keyFile() + " is not the private key of " + app.certFile() + " (CN=global-sessions-app): replace both "
                + "together", mixed.getMessage());
    }

    @Test
    void aCertificateWithoutARoleHasNoIdentity() throws Exception {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        assertEquals(Optional.empty(), Identity.of(ca.certificate()), "a CA certificate names no role");
        String described = Identity.describe(ca.certificate());
        assertTrue(described.startsWith("CN=test CA (no global-sessions identity, issued by CN=test CA"), described);
    }

    @Test
    void describeNamesSubjectRoleIssuerAndValidity() {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        Certificates.NodeFiles files = Certificates.writeIdentity(ca, dir, "app", Identity.APP, List.of());
        String described = Identity.describe(Certificates.readCertificate(files.certFile()));
        assertTrue(described.matches("CN=global-sessions-app \\(identity app, issued by CN=test CA, valid .* to .*\\)"), described);
    }

    @Test
    void developmentMaterialKeepsTheCaKeyOutOfTheCertificateDirectory() {
        Path certs = dir.resolve("certs");
        Certificates.NodeFiles node = Certificates.development(certs);
        assertEquals(certs.resolve("node.key"), node.keyFile());
        for (Identity role : Identity.values()) {
            assertTrue(Files.isReadable(certs.resolve(role.id() + ".key")), role.id());
            assertEquals(Optional.of(role), Identity.of(Certificates.readCertificate(certs.resolve(role.id() + ".crt"))));
        }
        assertFalse(Files.exists(certs.resolve(Certificates.CA_KEY_FILE)), "no CA key beside the certificates");
        assertTrue(Files.isReadable(dir.resolve("certs-ca").resolve(Certificates.CA_KEY_FILE)));
    }

    @Test
    void developmentMaterialMadeBeforeRolesIsIssuedAgainWithTheSameCa() throws Exception {
        Path certs = dir.resolve("certs");
        // The layout of the first versions: the CA key beside node.key, a node certificate without a role.
        Certificates.Authority ca = Certificates.newAuthority("old CA");
        Certificates.writeAuthority(ca, certs);
        Certificates.writeIdentity(ca, certs, "node", Identity.NODE, List.of("127.0.0.1"));
        Files.writeString(certs.resolve("node.crt"), Files.readString(certs.resolve(Certificates.CA_FILE))); // a role-less certificate

        Certificates.development(certs);

        assertFalse(Files.exists(certs.resolve(Certificates.CA_KEY_FILE)), "the CA key moved out");
        assertEquals(ca.certificate(), Certificates.readAuthority(dir.resolve("certs-ca")).certificate(), "the same CA");
        assertEquals(Optional.of(Identity.NODE), Identity.of(Certificates.readCertificate(certs.resolve("node.crt"))));
        assertTrue(Files.isReadable(certs.resolve("operator.key")));
    }

    @Test
    void ownProblemNamesAnExpiredOrRolelessCertificate() {
        Certificates.Authority ca = Certificates.newAuthority("test CA");
        Instant now = Instant.now();
        Certificates.NodeFiles expired = Certificates.writeIdentity(ca, dir, "old", Identity.APP, List.of(),
                now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
        String problem = IdentitySSLEngineProvider.ownProblem(Certificates.readCertificate(expired.certFile()), now);
        assertTrue(problem.contains("CN=global-sessions-app") && problem.contains("has expired"), problem);
        assertTrue(IdentitySSLEngineProvider.ownProblem(ca.certificate(), now).contains("carries no global-sessions identity"));
        Certificates.NodeFiles fine = Certificates.writeIdentity(ca, dir, "app", Identity.APP, List.of());
        assertNull(IdentitySSLEngineProvider.ownProblem(Certificates.readCertificate(fine.certFile()), now));
        assertNotEquals(Identity.NODE.uri(), Identity.APP.uri());
    }
}
