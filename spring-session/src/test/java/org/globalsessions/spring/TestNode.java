package org.globalsessions.spring;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorSystem;

import org.globalsessions.actors.node.ServerNode;
import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.runtime.bootstrap.NodeBootstrap;
import org.globalsessions.runtime.config.SettingsReader;
import org.globalsessions.runtime.tls.Certificates;
import org.globalsessions.testkit.FreePorts;
import org.globalsessions.testkit.NodeConfig;
import org.globalsessions.testkit.ShmDirectory;

/**
 * Every server role in one node in this JVM on 127.0.0.1 with mutual TLS (what {@code
 * global-sessions up} runs), with development certificates, and the tables of the test's hosts
 * in a private /dev/shm directory. Records of 4 KiB: a Spring session with a security context is
 * larger than the 1 KiB default.
 */
final class TestNode implements AutoCloseable {

    static final int RECORD_SIZE = 4096;

    final Path certificates;
    final Path shm;
    final int port;
    private final ActorSystem<Void> node;

    TestNode(Path certificates) {
        this.certificates = certificates;
        Certificates.development(certificates);
        this.shm = ShmDirectory.create("gs-spring-");
        this.port = FreePorts.next();
        this.node = ServerNode.start(NodeConfig.node(port).roles("all").tls(certificates)
                .set("relay.table.path", shm.resolve("relay.lru").toString())
                .set("relay.table.record-size", RECORD_SIZE)
                .set("hashing.shards", 8)
                .read(SettingsReader::read));
    }

    String relay() {
        return "127.0.0.1:" + port;
    }

    /** A client on simulated host {@code host} (its own table), once it can write. */
    SessionCacheManager client(String host) {
        SessionCacheManager cache = SessionCacheManager.builder().relays(relay()).certificates(certificates)
                .table(shm.resolve(host + ".lru")).elCount(1000).recordSize(RECORD_SIZE).build();
        awaitWritable(cache);
        return cache;
    }

    static void awaitWritable(SessionCacheManager cache) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> cache.set("warm-up", new byte[] {1}).toCompletableFuture().get(10, TimeUnit.SECONDS) > 0);
        await().atMost(Duration.ofSeconds(30)).until(cache::l1Leased);
    }

    /** Closes {@code clients} (those made), then the node. */
    void closeWith(SessionCacheManager... clients) throws InterruptedException {
        for (SessionCacheManager client : clients) {
            if (client != null) {
                client.close();
            }
        }
        close();
    }

    @Override
    public void close() throws InterruptedException {
        node.terminate();
        NodeBootstrap.awaitTermination(node, Duration.ofSeconds(60));
        ShmDirectory.delete(shm);
    }
}
