package org.globalsessions.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.Identity;

/**
 * Certificates for a real cluster (docs/security.md): a CA kept in its own directory, and in
 * {@code --out} the three identities it signs: a node certificate per host plus {@code node.*}
 * valid for all of them, the application identity ({@code app.*}) and the operator identity
 * ({@code operator.*}), with {@code ca.crt}.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = {"Make a CA and the node, application and operator certificates of a cluster.",
                "The CA's key stays in --ca DIR (default: OUT-ca beside OUT); give each host only what its identity needs: "
                        + "a node <host>.key/.crt (or node.*), an application app.*, an operator's machine operator.*, "
                        + "each with ca.crt."})
final class CertsCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where to write the certificates")
    Path out;

    @Option(names = "--hosts", split = ",", paramLabel = "HOST", description = "host names or addresses of the nodes (comma-separated)")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--ca", paramLabel = "DIR",
            description = "the CA's directory (ca.crt, ca.key): signs with the CA there, or makes one there if it holds none "
                    + "(default: OUT-ca, beside OUT; never OUT itself)")
    Path ca;

    @Option(names = "--identities", split = ",", paramLabel = "ROLE", defaultValue = "node,app,operator",
            description = "which identities to issue: node, app, operator (default: all three)")
    List<String> identities;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        for (String host : hosts) {
            if (!host.matches("[A-Za-z0-9.:\\-]+")) {
                throw new IllegalArgumentException("--hosts: '" + host + "' is not a host name or address");
            }
        }
        Set<Identity> roles = EnumSet.noneOf(Identity.class);
        for (String id : identities) {
            roles.add(Identity.parse(id.strip()).orElseThrow(() -> new IllegalArgumentException(
                    "--identities: unknown identity '" + id + "'; known: node, app, operator")));
        }
        Path caDir = ca != null ? ca.toAbsolutePath().normalize() : Certificates.authorityDirectory(out);
        Path outDir = out.toAbsolutePath().normalize();
        if (caDir.equals(outDir)) {
            throw new IllegalArgumentException("--ca " + ca + " is --out: the CA's key must not sit beside the certificates hosts "
                    + "receive; keep it in a directory of its own (the default is " + Certificates.authorityDirectory(out) + ")");
        }
        if (Files.exists(outDir.resolve(Certificates.CA_KEY_FILE))) {
            throw new Main.CommandFailure(outDir.resolve(Certificates.CA_KEY_FILE) + " is a CA key beside the certificates (the layout "
                    + "before certificates named an identity): move ca.key and ca.crt into a directory of their own and pass it as --ca DIR");
        }
        Certificates.Authority authority;
        boolean made = !Files.exists(caDir.resolve(Certificates.CA_KEY_FILE));
        if (made) {
            authority = Certificates.newUniqueAuthority("global-sessions CA");
            Certificates.writeAuthority(authority, caDir);
        } else {
            authority = Certificates.readAuthority(caDir);
        }
        if (roles.contains(Identity.NODE)) {
            Set<String> all = new LinkedHashSet<>(hosts);
            all.add("127.0.0.1");
            all.add("localhost");
            for (String host : hosts) {
                Certificates.writeNode(authority, out, host, List.of(host));
                System.out.println("wrote " + out.resolve(host + ".key") + " and " + host + ".crt (the node on " + host + ")");
            }
            Certificates.writeNode(authority, out, "node", new ArrayList<>(all));
            System.out.println("wrote " + out.resolve("node.key") + " and node.crt (a node on any of " + all + ")");
        }
        if (roles.contains(Identity.APP)) {
            Certificates.writeIdentity(authority, out, Identity.APP.id(), Identity.APP, List.of());
            System.out.println("wrote " + out.resolve("app.key") + " and app.crt (applications: SessionCacheManager.certificates(DIR))");
        }
        if (roles.contains(Identity.OPERATOR)) {
            Certificates.writeIdentity(authority, out, Identity.OPERATOR.id(), Identity.OPERATOR, List.of());
            System.out.println("wrote " + out.resolve("operator.key") + " and operator.crt (get, set, del and status: --certs DIR)");
        }
        System.out.println("CA " + (made ? "made" : "used") + ": " + caDir.resolve(Certificates.CA_FILE) + " (copied to "
                + out.resolve(Certificates.CA_FILE) + "); keep " + caDir.resolve(Certificates.CA_KEY_FILE)
                + " on this machine only: it signs new identities");
        return Main.OK;
    }
}
