package org.globalsessions.bench.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * In-memory PKCS12 stores from the PEM files {@code global-sessions certs} writes
 * ({@code node.key}, {@code node.crt}, {@code ca.crt}): the same key, certificate and CA as the
 * cluster's mutual TLS, so the Redis TLS peer authenticates clients the same way. The stores'
 * password is {@link #PASSWORD}; they never touch the disk.
 */
public final class PemTls {

    public static final char[] PASSWORD = "e2e-bench".toCharArray();

    /** The PKCS12 bytes of this node's identity (key and certificate chain) and of the trusted CA. */
    public record Stores(byte[] identity, byte[] trust) {
    }

    private PemTls() {
    }

    public static Stores stores(Path certs) {
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("node", privateKey(certs.resolve("node.key")), PASSWORD,
                    certificates(x509, certs.resolve("node.crt")).toArray(Certificate[]::new));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate ca : certificates(x509, certs.resolve("ca.crt"))) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            return new Stores(bytes(identity), bytes(trust));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the TLS material in " + certs + " (node.key, node.crt, ca.crt): " + e, e);
        }
    }

    private static Collection<? extends Certificate> certificates(CertificateFactory x509, Path file)
            throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return x509.generateCertificates(in);
        }
    }

    private static byte[] bytes(KeyStore store) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, PASSWORD);
        return out.toByteArray();
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
            Object pem = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (pem instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (pem instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException(file + " holds no unencrypted private key (found "
                    + (pem == null ? "nothing" : pem.getClass().getSimpleName()) + ")");
        }
    }
}
