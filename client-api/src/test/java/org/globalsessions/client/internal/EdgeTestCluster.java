package org.globalsessions.client.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.globalsessions.actors.TestCluster;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.runtime.config.GlobalSessionsSettings;
import org.globalsessions.runtime.protocol.HybridClock;

/**
 * actors' {@link TestCluster} (a relay with its sibling, an expansion node and an aging node)
 * with edges on simulated hosts, each with its own L1 table in the cluster's /dev/shm
 * directory. {@link #close} closes the edges, then stops the nodes.
 */
public final class EdgeTestCluster extends TestCluster {

    private final List<EdgeCache> edges = new ArrayList<>();

    /**
     * @param certificates directory for the test CA and certificates
     * @param tuning       extra settings (native keys under global-sessions) for every node and edge
     */
    public EdgeTestCluster(Path certificates, Map<String, Object> tuning) {
        super(certificates, tuning);
    }

    /** An edge on simulated host {@code host} (its own L1 table), talking to the relay. */
    public EdgeCache edge(String host, boolean manageSection) {
        return edge(host, manageSection, new HybridClock());
    }

    /** The same, with the clock that versions its writes. */
    public EdgeCache edge(String host, boolean manageSection, HybridClock clock) {
        GlobalSessionsSettings settings = settings(List.of(), FreePorts.next(), List.of(), Map.of(
                "edge.relays", List.of(relayAddress.toString()),
                "edge.table.path", shm.resolve("l1-" + host + ".lru").toString(),
                "edge.table.manage-section", manageSection));
        EdgeCache edge = EdgeCache.start(settings, clock);
        edges.add(edge);
        return edge;
    }

    @Override
    public void close() {
        edges.forEach(EdgeCache::close);
        super.close();
    }
}
