package org.globalsessions.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.Identity;

/** {@code global-sessions certs}, in process: which files it writes where, and what it refuses. */
class CertsCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesTheThreeIdentitiesAndKeepsTheCaKeyApart() {
        Path out = dir.resolve("certs");
        assertEquals(Main.OK, Main.run("certs", "--out", out.toString(), "--hosts", "10.1.2.3,relay.example"));
        for (String file : List.of("ca.crt", "10.1.2.3.key", "relay.example.crt", "node.key", "node.crt", "app.key", "app.crt",
                "operator.key", "operator.crt")) {
            assertTrue(Files.isReadable(out.resolve(file)), file);
        }
        assertEquals(Optional.of(Identity.NODE), role(out.resolve("10.1.2.3.crt")));
        assertEquals(Optional.of(Identity.NODE), role(out.resolve("node.crt")));
        assertEquals(Optional.of(Identity.APP), role(out.resolve("app.crt")));
        assertEquals(Optional.of(Identity.OPERATOR), role(out.resolve("operator.crt")));
        assertFalse(Files.exists(out.resolve("ca.key")), "no CA key among what hosts receive");
        Path ca = dir.resolve("certs-ca");
        assertTrue(Files.isReadable(ca.resolve("ca.key")));
        assertEquals("rw-------", PosixFilePermissions.toString(permissions(ca.resolve("ca.key"))));
        assertEquals("rw-------", PosixFilePermissions.toString(permissions(out.resolve("app.key"))));
    }

    @Test
    void signsMoreIdentitiesWithTheSameCa() {
        Path out = dir.resolve("certs");
        assertEquals(Main.OK, Main.run("certs", "--out", out.toString(), "--identities", "node"));
        assertFalse(Files.exists(out.resolve("app.crt")), "only what --identities names");
        assertEquals(Main.OK, Main.run("certs", "--out", dir.resolve("apps").toString(), "--ca", dir.resolve("certs-ca").toString(),
                "--identities", "app"));
        var ca = Certificates.readCertificate(out.resolve("ca.crt"));
        var app = Certificates.readCertificate(dir.resolve("apps/app.crt"));
        assertEquals(ca.getSubjectX500Principal(), app.getIssuerX500Principal());
        assertFalse(Files.exists(dir.resolve("apps/node.crt")));
    }

    @Test
    void refusesTheCaBesideTheCertificatesAndAnUnknownRole() {
        Path out = dir.resolve("certs");
        String err = failing(Main.USAGE, "certs", "--out", out.toString(), "--ca", out.toString());
        assertTrue(err.contains("the CA's key must not sit beside the certificates hosts receive"), err);
        err = failing(Main.USAGE, "certs", "--out", out.toString(), "--identities", "admin");
        assertTrue(err.contains("--identities: unknown identity 'admin'; known: node, app, operator"), err);
    }

    @Test
    void refusesADirectoryMadeBeforeRolesNamingWhatToDo() throws Exception {
        Path out = dir.resolve("old");
        Certificates.writeAuthority(Certificates.newAuthority("old CA"), out);
        String err = failing(Main.FAILED, "certs", "--out", out.toString());
        assertTrue(err.contains("is a CA key beside the certificates") && err.contains("pass it as --ca DIR"), err);
    }

    private static Optional<Identity> role(Path certificate) {
        return Identity.of(Certificates.readCertificate(certificate));
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(Path file) {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs the command expecting {@code exit}; returns what it printed on standard error. */
    private static String failing(int exit, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(exit, Main.run(args));
        } finally {
            System.setErr(saved);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
