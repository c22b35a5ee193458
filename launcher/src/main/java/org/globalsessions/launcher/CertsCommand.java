package org.globalsessions.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.globalsessions.runtime.tls.Certificates;

/**
 * Certificates for a real cluster: a CA (or an existing one) and one certificate per host,
 * plus {@code node.key}/{@code node.crt} valid for all of them (for clients and tools).
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Make a CA and node certificates for a cluster.")
final class CertsCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where to write the files")
    Path out;

    @Option(names = "--hosts", split = ",", paramLabel = "HOST", description = "host names or addresses of the nodes (comma-separated)")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--ca", paramLabel = "DIR", description = "sign with the CA in DIR (ca.crt, ca.key) instead of making one")
    Path ca;

    @Option(names = "--verbose", description = "print stack traces of failures")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        for (String host : hosts) {
            if (!host.matches("[A-Za-z0-9.:\\-]+")) {
                throw new IllegalArgumentException("--hosts: '" + host + "' is not a host name or address");
            }
        }
        Certificates.Authority authority;
        if (ca != null) {
            authority = Certificates.readAuthority(ca);
            Files.createDirectories(out);
            if (!ca.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                Files.copy(ca.resolve(Certificates.CA_FILE), out.resolve(Certificates.CA_FILE),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } else {
            if (Files.exists(out.resolve(Certificates.CA_KEY_FILE))) {
                throw new Main.CommandFailure(out + " already holds a CA (ca.key); use --ca " + out + " to sign with it, "
                        + "or choose another --out");
            }
            authority = Certificates.newAuthority("global-sessions CA");
            Certificates.writeAuthority(authority, out);
        }
        Set<String> all = new LinkedHashSet<>(hosts);
        all.add("127.0.0.1");
        all.add("localhost");
        for (String host : hosts) {
            Certificates.writeNode(authority, out, host, List.of(host));
            System.out.println("wrote " + out.resolve(host + ".key") + " and " + host + ".crt (for the node on " + host + ")");
        }
        Certificates.writeNode(authority, out, "node", new ArrayList<>(all));
        System.out.println("wrote " + out.resolve("node.key") + " and node.crt (for clients and tools, valid for " + all + ")");
        System.out.println("CA certificate " + out.resolve(Certificates.CA_FILE)
                + (ca == null ? "; keep " + out.resolve(Certificates.CA_KEY_FILE) + " secret (it signs new nodes)" : ""));
        return Main.OK;
    }
}
