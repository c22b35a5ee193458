package org.globalsessions.runtime.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

import org.globalsessions.runtime.config.GlobalSessionsSettings;

/**
 * Certificates for mutual TLS between nodes, made with BouncyCastle: a certificate authority,
 * and node certificates it signs, written as PEM files the way the Artery PEM provider reads
 * them (RSA keys in PKCS#8, certificates in X.509).
 *
 * <p>Every node certificate carries the same subject ({@value #NODE_SUBJECT}): Pekko's PEM
 * provider accepts a peer only if its certificate chains to the configured CA <em>and</em> has
 * the same subject name as its own, which keeps nodes of one deployment from talking to
 * nodes of another that happen to trust the same CA. The subject alternative names list the
 * host names and addresses the node is reached at. Private keys are written owner-only.
 */
public final class Certificates {

    public static final String NODE_SUBJECT = "CN=global-sessions-node";
    public static final String CA_FILE = "ca.crt";
    public static final String CA_KEY_FILE = "ca.key";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration NODE_VALIDITY = Duration.ofDays(825);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {
    }

    /** A certificate authority: its certificate and private key. */
    public record Authority(X509Certificate certificate, PrivateKey key) {
    }

    /** The three PEM files a node is configured with. */
    public record NodeFiles(Path keyFile, Path certFile, Path caFile) {

        public GlobalSessionsSettings.Tls tls() {
            return GlobalSessionsSettings.Tls.pem(keyFile, certFile, caFile);
        }
    }

    /** A new self-signed certificate authority named {@code CN=<name>}. */
    public static Authority newAuthority(String name) {
        KeyPair pair = rsa();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            return new Authority(sign(builder, pair.getPrivate()), pair.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create a certificate authority: " + e, e);
        }
    }

    /**
     * Writes a node key and certificate signed by {@code ca} into {@code dir} as
     * {@code <name>.key} / {@code <name>.crt}, with the CA certificate beside them.
     *
     * @param hosts host names and IP addresses the node is reached at (subject alternative names)
     */
    public static NodeFiles writeNode(Authority ca, Path dir, String name, List<String> hosts) {
        KeyPair pair = rsa();
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name(ca.certificate().getSubjectX500Principal().getName()), serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(NODE_VALIDITY)),
                    new X500Name(NODE_SUBJECT), pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false, sans(hosts));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            X509Certificate certificate = sign(builder, ca.key());
            Files.createDirectories(dir);
            Path keyFile = dir.resolve(name + ".key");
            Path certFile = dir.resolve(name + ".crt");
            Path caFile = dir.resolve(CA_FILE);
            writeSecret(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            writePublic(certFile, pem(certificate));
            if (!Files.exists(caFile)) {
                writePublic(caFile, pem(ca.certificate()));
            }
            return new NodeFiles(keyFile, certFile, caFile);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the certificate of node " + name + ": " + e, e);
        }
    }

    /** Writes {@code ca.crt} and {@code ca.key} (owner-only) into {@code dir}. */
    public static void writeAuthority(Authority ca, Path dir) {
        try {
            Files.createDirectories(dir);
            writePublic(dir.resolve(CA_FILE), pem(ca.certificate()));
            writeSecret(dir.resolve(CA_KEY_FILE), pem(new JcaPKCS8Generator(ca.key(), null)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the certificate authority into " + dir, e);
        }
    }

    /** Reads a CA written by {@link #writeAuthority}. */
    public static Authority readAuthority(Path dir) {
        try (PEMParser certParser = new PEMParser(Files.newBufferedReader(dir.resolve(CA_FILE)));
             PEMParser keyParser = new PEMParser(Files.newBufferedReader(dir.resolve(CA_KEY_FILE)))) {
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) certParser.readObject());
            Object key = keyParser.readObject();
            PrivateKey privateKey = key instanceof PEMKeyPair kp
                    ? new JcaPEMKeyConverter().getKeyPair(kp).getPrivate()
                    : new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) key);
            return new Authority(cert, privateKey);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalStateException("cannot read the certificate authority in " + dir + ": " + e, e);
        }
    }

    /**
     * Development material for one machine: a CA and a node certificate for 127.0.0.1 and
     * localhost in {@code dir}, made on first use and reused afterwards.
     */
    public static NodeFiles development(Path dir) {
        Path key = dir.resolve("node.key");
        Path cert = dir.resolve("node.crt");
        Path ca = dir.resolve(CA_FILE);
        if (Files.isReadable(key) && Files.isReadable(cert) && Files.isReadable(ca)) {
            return new NodeFiles(key, cert, ca);
        }
        Authority authority = newAuthority("global-sessions development CA");
        writeAuthority(authority, dir);
        return writeNode(authority, dir, "node", List.of("127.0.0.1", "localhost"));
    }

    private static GeneralNames sans(List<String> hosts) {
        Set<GeneralName> names = new LinkedHashSet<>();
        for (String host : hosts) {
            names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host));
        }
        return new GeneralNames(new ArrayList<>(names).toArray(GeneralName[]::new));
    }

    private static boolean isAddress(String host) {
        if (!host.matches("[0-9.]+|.*:.*")) {
            return false;
        }
        try {
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object instanceof JcaPKCS8Generator g ? g.generate() : object);
        }
        return out.toString();
    }

    private static void writePublic(Path file, String pem) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".tmp-", ".pem");
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeSecret(Path file, String pem) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".tmp-", ".pem",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
