package org.globalsessions.runtime.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a certificate allows its holder to be (docs/security.md): a {@link #NODE} (a cluster member:
 * relay, sibling or relief node), an {@link #APP} (an application's edge, a client of the relays) or
 * an {@link #OPERATOR} (the admin commands). The role is written into the certificate as a subject
 * alternative name of type URI, {@code urn:global-sessions:identity:<id>}, which the CA's signature
 * covers: a holder cannot change it. A certificate with no such name, or with more than one role,
 * has no identity here and is refused everywhere.
 */
public enum Identity {
    NODE("node"),
    APP("app"),
    OPERATOR("operator");

    /** The prefix of the subject alternative name (type URI) that carries the role. */
    public static final String URI_PREFIX = "urn:global-sessions:identity:";
    private static final int SAN_URI = 6;

    private final String id;

    Identity(String id) {
        this.id = id;
    }

    /** The role's name: {@code node}, {@code app} or {@code operator}; also the base name of its key and certificate files. */
    public String id() {
        return id;
    }

    /** The subject alternative name (type URI) that gives a certificate this role. */
    public String uri() {
        return URI_PREFIX + id;
    }

    /** The subject of the certificates {@code global-sessions certs} issues for this role. */
    public String subject() {
        return "CN=global-sessions-" + id;
    }

    /** The role {@code certificate} carries, if it carries exactly one. */
    public static Optional<Identity> of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        Set<Identity> found = EnumSet.noneOf(Identity.class);
        for (List<?> name : names) {
            if (name.size() == 2 && Integer.valueOf(SAN_URI).equals(name.get(0)) && name.get(1) instanceof String uri
                    && uri.startsWith(URI_PREFIX)) {
                Optional<Identity> role = parse(uri.substring(URI_PREFIX.length()));
                if (role.isEmpty()) {
                    return Optional.empty();
                }
                found.add(role.get());
            }
        }
        return found.size() == 1 ? Optional.of(found.iterator().next()) : Optional.empty();
    }

    /** The role named {@code id}. */
    public static Optional<Identity> parse(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }

    /** The roles as "node, app", in declaration order. */
    public static String names(Set<Identity> roles) {
        return roles.stream().sorted().map(Identity::id).collect(Collectors.joining(", "));
    }

    /**
     * One line naming {@code certificate} for a person: its subject, its role (or that it has none),
     * its issuer and its validity, e.g.
     * {@code "CN=global-sessions-app (identity app, issued by CN=global-sessions CA, valid until 2029-03-01T10:00:00Z)"}.
     */
    public static String describe(X509Certificate certificate) {
        String role = of(certificate).map(r -> "identity " + r.id).orElse("no global-sessions identity");
        return certificate.getSubjectX500Principal().getName() + " (" + role + ", issued by "
                + certificate.getIssuerX500Principal().getName() + ", valid " + certificate.getNotBefore().toInstant()
                + " to " + certificate.getNotAfter().toInstant() + ")";
    }
}
