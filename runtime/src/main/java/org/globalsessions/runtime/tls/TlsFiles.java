package org.globalsessions.runtime.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reading the files TLS settings name: PEM certificates (every one of a bundle) and key stores. */
public final class TlsFiles {

    private TlsFiles() {
    }

    /** Every X.509 certificate in PEM file {@code file}, in order; an error if there is none. */
    public static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> all = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                all.add((X509Certificate) certificate);
            }
            if (all.isEmpty()) {
                throw new IOException(file + " holds no certificate");
            }
            return all;
        }
    }

    /** The key store (JKS or PKCS12) in {@code file}, opened with {@code password}. */
    public static KeyStore keyStore(Path file, char[] password) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password);
            return store;
        }
    }
}
