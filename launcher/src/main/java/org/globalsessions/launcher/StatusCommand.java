package org.globalsessions.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.globalsessions.actors.node.NodeStatus;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.bootstrap.PekkoConfig;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.config.HostPort;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.protocol.ActorNames;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.runtime.tls.TlsPeers;

/**
 * {@code global-sessions status}: the cluster as one node sees it (members, shards per member and
 * relief entity type, each relay's L2 fill), as a table or {@code --json}. Asks the node's status
 * actor ({@link NodeStatus}) from a short-lived actor system that uses remoting only, like an
 * application's edge: it never joins the cluster.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print the cluster's members, the shards each holds and each relay's table fill.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--node", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:25520",
            description = "node to ask: a relay host with a sibling, or a relief node (default ${DEFAULT-VALUE})")
    String node;

    @Mixin
    ClusterAccess access;

    @Option(names = "--json", description = "print JSON instead of tables")
    boolean json;

    @Override
    public Integer call() throws Exception {
        HostPort target = HostPort.parse(node);
        NodeStatus.ClusterStatus status = ask(target, access.certificates(target));
        System.out.print(json ? json(status) : table(status));
        return status.problems().isEmpty() ? Main.OK : Main.FAILED;
    }

    private NodeStatus.ClusterStatus ask(HostPort target, Path certs) throws InterruptedException {
        Certificates.NodeFiles operator = ClusterAccess.operatorFiles(certs);
        GlobalSessionsSettings settings = SettingsReader.read(ConfigFactory.parseMap(Map.of(
                GlobalSessionsSettings.ROOT + ".hostname", "127.0.0.1",
                GlobalSessionsSettings.ROOT + ".tls.enabled", true,
                GlobalSessionsSettings.ROOT + ".tls.key-file", operator.keyFile().toAbsolutePath().toString(),
                GlobalSessionsSettings.ROOT + ".tls.cert-file", operator.certFile().toAbsolutePath().toString(),
                GlobalSessionsSettings.ROOT + ".tls.ca-file", operator.caFile().toAbsolutePath().toString()),
                "status flags"), "status flags");
        ActorSystem<Void> system = NodeBootstrap.start(Behaviors.empty(), settings, PekkoConfig.Kind.EDGE);
        try {
            ActorRef<NodeStatus.Command> statusActor = ActorRefResolver.get(system)
                    .resolveActorRef(ActorNames.statusPath(settings.systemName(), target));
            return AskPattern.<NodeStatus.Command, NodeStatus.ClusterStatus>ask(statusActor, NodeStatus.GetClusterStatus::new,
                            Duration.ofSeconds(access.timeout), system.scheduler())
                    .toCompletableFuture().get(access.timeout + 1L, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new Main.CommandFailure("no status from " + target + " within " + access.timeout + " s: is a node running there, and "
                    + "does it trust the certificates in " + certs.toAbsolutePath() + "?"
                    + TlsPeers.get(system).explain(List.of(target)), e);
        } finally {
            system.terminate();
            NodeBootstrap.awaitTermination(system, Duration.ofSeconds(10));
        }
    }

    /** The status as JSON: the {@link NodeStatus.ClusterStatus} record's components, by name. */
    static String json(NodeStatus.ClusterStatus status) throws JsonProcessingException {
        return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(status) + System.lineSeparator();
    }

    /** The status as three tables: members, shards per member and entity type, relay tables; then any problems. */
    static String table(NodeStatus.ClusterStatus status) {
        StringBuilder out = new StringBuilder();
        List<List<String>> members = new ArrayList<>();
        members.add(List.of("MEMBER", "ROLES", "STATUS", "REACHABLE"));
        status.members().forEach(m -> members.add(List.of(m.address(), String.join(",", m.roles()), m.status(),
                m.reachable() ? "yes" : "NO")));
        out.append("Cluster as ").append(status.node()).append(" sees it: ").append(status.members().size()).append(" member(s)\n");
        columns(members, out);

        TreeSet<String> types = new TreeSet<>();
        Map<String, Map<String, Integer>> byMember = new TreeMap<>();
        Map<String, Integer> totals = new HashMap<>();
        for (NodeStatus.Shards s : status.shards()) {
            types.add(s.entityType());
            byMember.computeIfAbsent(s.address(), a -> new HashMap<>()).merge(s.entityType(), s.shards(), Integer::sum);
            totals.merge(s.entityType(), s.shards(), Integer::sum);
        }
        out.append("\nShards held (allocated on first use), per relief entity type\n");
        if (types.isEmpty()) {
            out.append("  none allocated\n");
        } else {
            List<List<String>> shards = new ArrayList<>();
            List<String> header = new ArrayList<>(List.of("MEMBER"));
            header.addAll(types);
            shards.add(header);
            byMember.forEach((member, counts) -> {
                List<String> row = new ArrayList<>(List.of(member));
                types.forEach(t -> row.add(String.valueOf(counts.getOrDefault(t, 0))));
                shards.add(row);
            });
            List<String> total = new ArrayList<>(List.of("total"));
            types.forEach(t -> total.add(String.valueOf(totals.getOrDefault(t, 0))));
            shards.add(total);
            columns(shards, out);
        }

        out.append("\nRelay tables (L2)\n");
        if (status.tables().isEmpty()) {
            out.append("  no relay answered\n");
        } else {
            List<List<String>> tables = new ArrayList<>();
            tables.add(List.of("RELAY", "ENTRIES", "CAPACITY", "FILL"));
            status.tables().forEach(t -> tables.add(List.of(t.address(), String.valueOf(t.entries()), String.valueOf(t.capacity()),
                    t.capacity() > 0 ? String.format("%.1f%%", 100.0 * t.entries() / t.capacity()) : "-")));
            columns(tables, out);
        }
        if (!status.problems().isEmpty()) {
            out.append("\nIncomplete:\n");
            status.problems().forEach(p -> out.append("  ").append(p).append('\n'));
        }
        return out.toString();
    }

    /** Rows as left-aligned columns two spaces apart, indented by two. */
    private static void columns(List<List<String>> rows, StringBuilder out) {
        int[] widths = new int[rows.get(0).size()];
        rows.forEach(row -> {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        });
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (widths[i] + 2) + "s", row.get(i)));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
