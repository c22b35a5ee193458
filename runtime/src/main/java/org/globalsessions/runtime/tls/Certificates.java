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
import java.util.HexFormat;
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
 * Certificates for mutual TLS, made with BouncyCastle: a certificate authority, and the
 * certificates it signs for the three identities ({@link Identity}: node, app, operator), written
 * as PEM files (RSA keys in PKCS#8, certificates in X.509).
 *
 * <p>Each certificate carries its identity as a subject alternative name of type URI
 * ({@code urn:global-sessions:identity:node}), which every node and edge checks on every connection
 * ({@link IdentitySSLEngineProvider}), and a subject naming the role
 * ({@code CN=global-sessions-node}). A node's subject alternative names also list the host names
 * and addresses it is reached at. The CA's private key is written into a directory of its own
 * ({@link #authorityDirectory}), never beside what nodes and applications receive; private keys
 * are written owner-only.
 */
public final class Certificates {

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

    /**
     * A new self-signed certificate authority named {@code CN=<name> <4 hex digits>}: the random
     * suffix tells two CAs made with one name apart in the messages that name an untrusted issuer.
     */
    public static Authority newUniqueAuthority(String name) {
        return newAuthority(name + " " + HexFormat.of().toHexDigits((short) RANDOM.nextInt()));
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
        return writeIdentity(ca, dir, name, Identity.NODE, hosts);
    }

    /**
     * Writes a key and a certificate of {@code role} signed by {@code ca} into {@code dir} as
     * {@code <name>.key} / {@code <name>.crt}, with the CA certificate ({@value #CA_FILE}) beside them.
     *
     * @param hosts host names and IP addresses the holder is reached at (subject alternative names;
     *              may be empty for an application or an operator)
     */
    public static NodeFiles writeIdentity(Authority ca, Path dir, String name, Identity role, List<String> hosts) {
        Instant now = Instant.now();
        return writeIdentity(ca, dir, name, role, hosts, now.minus(Duration.ofMinutes(5)), now.plus(NODE_VALIDITY));
    }

    /** {@link #writeIdentity(Authority, Path, String, Identity, List)} valid from {@code notBefore} to {@code notAfter}. */
    public static NodeFiles writeIdentity(Authority ca, Path dir, String name, Identity role, List<String> hosts,
                                          Instant notBefore, Instant notAfter) {
        KeyPair pair = rsa();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new X500Name(ca.certificate().getSubjectX500Principal().getName()), serial(),
                    Date.from(notBefore), Date.from(notAfter), new X500Name(role.subject()), pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            // Both purposes for every role: Artery opens a connection in each direction, so an
            // application's edge is also the server of the connection its relay answers on.
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false, sans(hosts, role));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            X509Certificate certificate = sign(builder, ca.key());
            Files.createDirectories(dir);
            NodeFiles files = files(dir, name);
            writeSecret(files.keyFile(), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            writePublic(files.certFile(), pem(certificate));
            writePublic(files.caFile(), pem(ca.certificate()));
            return files;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the " + role.id() + " certificate " + name + ": " + e, e);
        }
    }

    /** The files {@link #writeIdentity} writes for {@code name} in {@code dir}. */
    public static NodeFiles files(Path dir, String name) {
        return new NodeFiles(dir.resolve(name + ".key"), dir.resolve(name + ".crt"), dir.resolve(CA_FILE));
    }

    /**
     * Where the CA that signs the certificates in {@code certs} keeps its key: the sibling directory
     * {@code <certs>-ca} (for {@code .global-sessions/certs}, {@code .global-sessions/certs-ca}), so that
     * copying the certificate directory to a host never copies the CA key with it.
     */
    public static Path authorityDirectory(Path certs) {
        Path absolute = certs.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + "-ca");
    }

    /** Writes {@code ca.crt} and {@code ca.key} (owner-only) into {@code dir}, the CA's own directory. */
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
        try {
            return new Authority(readCertificate(dir.resolve(CA_FILE)), readPrivateKey(dir.resolve(CA_KEY_FILE)));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the certificate authority in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads a PEM private key (PKCS#8, or a PKCS#1 key pair). */
    public static PrivateKey readPrivateKey(Path file) {
        try (PEMParser keyParser = new PEMParser(Files.newBufferedReader(file))) {
            Object key = keyParser.readObject();
            if (key instanceof PEMKeyPair kp) {
                return new JcaPEMKeyConverter().getKeyPair(kp).getPrivate();
            }
            if (key instanceof PrivateKeyInfo info) {
                return new JcaPEMKeyConverter().getPrivateKey(info);
            }
            throw new IllegalArgumentException(file + " holds no unencrypted PEM private key");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a private key that is not the one of {@code certificate}: a certificate replaced while
     * its key is not yet (or the other way round) would be presented with a key that cannot prove it.
     * The key signs a probe that the certificate's public key must verify.
     */
    public static void requireMatchingKey(PrivateKey key, X509Certificate certificate, Path keyFile, Path certFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        boolean matches;
        try {
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException(keyFile + " is not the private key of " + certFile + " ("
                    + certificate.getSubjectX500Principal().getName() + "): replace both together");
        }
    }

    /** Reads every PEM certificate in {@code file} (a CA bundle holds several). */
    public static List<X509Certificate> readCertificates(Path file) {
        List<X509Certificate> all = new ArrayList<>();
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof X509CertificateHolder holder) {
                    all.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the certificates in " + file + ": " + e.getMessage(), e);
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no PEM certificate");
        }
        return all;
    }

    /** Reads the first PEM certificate in {@code file}. */
    public static X509Certificate readCertificate(Path file) {
        return readCertificates(file).get(0);
    }

    /**
     * Development material for one machine, made on first use and reused afterwards: a CA (its key
     * in {@link #authorityDirectory}), and in {@code dir} {@code ca.crt}, a node certificate for
     * 127.0.0.1 and localhost ({@code node.key}, {@code node.crt}), an application certificate
     * ({@code app.*}) and an operator certificate ({@code operator.*}). A directory made before
     * certificates named an identity (a CA key inside it, certificates without an identity) is brought up to
     * date: the CA key moves out, and the certificates are issued again.
     *
     * @return the node's files
     */
    public static NodeFiles development(Path dir) {
        Path caDir = authorityDirectory(dir);
        try {
            if (Files.exists(dir.resolve(CA_KEY_FILE)) && !Files.exists(caDir.resolve(CA_KEY_FILE))) {
                Files.createDirectories(caDir);
                Files.copy(dir.resolve(CA_FILE), caDir.resolve(CA_FILE), StandardCopyOption.REPLACE_EXISTING);
                Files.move(dir.resolve(CA_KEY_FILE), caDir.resolve(CA_KEY_FILE));
            }
            Files.deleteIfExists(dir.resolve(CA_KEY_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the CA key out of " + dir + " into " + caDir, e);
        }
        List<Identity> missing = new ArrayList<>();
        for (Identity role : Identity.values()) {
            if (!holds(dir, role)) {
                missing.add(role);
            }
        }
        if (!missing.isEmpty()) {
            Authority authority;
            if (Files.isReadable(caDir.resolve(CA_KEY_FILE)) && Files.isReadable(caDir.resolve(CA_FILE))) {
                authority = readAuthority(caDir);
            } else {
                authority = newUniqueAuthority("global-sessions development CA");
                writeAuthority(authority, caDir);
                missing = List.of(Identity.values());
            }
            for (Identity role : missing) {
                writeIdentity(authority, dir, role.id(), role, role == Identity.NODE ? List.of("127.0.0.1", "localhost") : List.of());
            }
        }
        return files(dir, Identity.NODE.id());
    }

    /** Whether {@code dir} holds a readable key and a certificate of {@code role} named after it, and {@code ca.crt}. */
    private static boolean holds(Path dir, Identity role) {
        NodeFiles files = files(dir, role.id());
        if (!Files.isReadable(files.keyFile()) || !Files.isReadable(files.certFile()) || !Files.isReadable(files.caFile())) {
            return false;
        }
        try {
            return Identity.of(readCertificate(files.certFile())).equals(java.util.Optional.of(role));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static GeneralNames sans(List<String> hosts, Identity role) {
        Set<GeneralName> names = new LinkedHashSet<>();
        for (String host : hosts) {
            names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host));
        }
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, role.uri()));
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
