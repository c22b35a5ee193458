package org.globalsessions.runtime.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.tls.TlsFiles;

/**
 * How a metrics and health endpoint is served ({@code metrics.tls}): plain HTTP on a loopback
 * address; elsewhere HTTPS with the process's own certificate ({@code tls.*}), and only to
 * clients that present a certificate the same CA signed, unless {@code metrics.tls = off} says
 * plaintext is wanted there.
 */
public final class MetricsTls {

    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";

    private MetricsTls() {
    }

    /** {@code metrics.tls}: {@code auto} (TLS unless the address is loopback), {@code on}, {@code off}. */
    public enum Mode {
        AUTO, ON, OFF;

        /** The mode named {@code value} (case-insensitive), or an error listing the choices. */
        public static Mode parse(String value) {
            for (Mode mode : values()) {
                if (mode.name().equalsIgnoreCase(value)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("must be auto, on or off");
        }
    }

    /** Whether the endpoint of {@code metrics} is served over TLS. */
    public static boolean wanted(GlobalSessionsSettings.Metrics metrics) {
        return switch (metrics.tls()) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> !loopback(metrics.hostname());
        };
    }

    /** Whether {@code hostname} names only loopback addresses (an unresolvable name does not). */
    public static boolean loopback(String hostname) {
        try {
            for (InetAddress address : InetAddress.getAllByName(hostname)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The TLS context of the endpoint of {@code settings}, or null when it is served in plain
     * HTTP. Its key is the process's own ({@code tls.key-file} and {@code tls.cert-file}, or
     * {@code tls.key-store}), and it trusts the CAs of {@code tls.ca-file} (or {@code tls.trust-store}).
     *
     * @throws IllegalStateException naming the files, if they cannot be read
     */
    public static SSLContext context(GlobalSessionsSettings settings) {
        if (!wanted(settings.metrics())) {
            return null;
        }
        GlobalSessionsSettings.Tls tls = settings.tls();
        try {
            KeyStore keys;
            KeyStore trusted;
            char[] password;
            if (tls.usesPem()) {
                password = new char[0];
                keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("self", privateKey(tls.keyFile()), password,
                        TlsFiles.certificates(tls.certFile()).toArray(new Certificate[0]));
                trusted = trustStoreOf(tls.caFile());
            } else {
                password = tls.keyStorePassword().toCharArray();
                keys = TlsFiles.keyStore(tls.keyStore(), password);
                trusted = TlsFiles.keyStore(tls.trustStore(), tls.trustStorePassword().toCharArray());
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trusted);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot serve metrics over TLS with this process's certificate ("
                    + (tls.usesPem() ? tls.keyFile() + ", " + tls.certFile() + ", " + tls.caFile() : tls.keyStore() + ", " + tls.trustStore())
                    + "): " + e.getMessage(), e);
        }
    }

    /** The parameters every connection gets: TLS 1.3, and a client certificate the CA signed is required. */
    public static SSLParameters parameters(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3"});
        parameters.setNeedClientAuth(true);
        return parameters;
    }

    /** A server-side engine of {@code context} with {@link #parameters}. */
    public static SSLEngine serverEngine(SSLContext context) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(parameters(context));
        return engine;
    }

    /** A PKCS#8 PEM private key (RSA, as {@code certs} writes, or EC). */
    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf(PKCS8_BEGIN);
        int end = pem.indexOf(PKCS8_END);
        if (begin < 0 || end < begin) {
            throw new IOException(file + " holds no PKCS#8 private key (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + PKCS8_BEGIN.length(), end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        } catch (InvalidKeySpecException notRsa) {
            return KeyFactory.getInstance("EC").generatePrivate(spec);
        }
    }

    /** A trust store of every certificate in PEM file {@code caFile} (a bundle of CAs is trusted whole). */
    public static KeyStore trustStoreOf(Path caFile) throws IOException, GeneralSecurityException {
        List<X509Certificate> authorities = TlsFiles.certificates(caFile);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (Certificate authority : authorities) {
            store.setCertificateEntry("ca-" + i++, authority);
        }
        return store;
    }

}
