package org.globalsessions.spring;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import org.globalsessions.client.SessionCacheManager;

/**
 * A real node in this JVM ({@link TestNode}) and the clients of two simulated hosts, A and B, each
 * with its own table, started once per test class and closed after it.
 */
abstract class TwoHostFixture {

    @TempDir
    static Path certificates;

    static TestNode node;
    static SessionCacheManager cacheA;
    static SessionCacheManager cacheB;

    @BeforeAll
    static void startNodeAndHosts() {
        node = new TestNode(certificates);
        cacheA = node.client("host-a");
        cacheB = node.client("host-b");
    }

    @AfterAll
    static void stopHostsAndNode() throws InterruptedException {
        node.closeWith(cacheA, cacheB);
    }
}
