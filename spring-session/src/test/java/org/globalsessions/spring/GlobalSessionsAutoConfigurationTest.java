package org.globalsessions.spring;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.SessionRepository;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.lifecycle.SessionLifecycle;

/** The auto-configuration in a real (non-web) Spring Boot application against a real node in this JVM. */
class GlobalSessionsAutoConfigurationTest {

    @TempDir
    static Path certificates;

    private static TestNode node;

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(GlobalSessionsAutoConfiguration.class)
    static class App {
    }

    @BeforeAll
    static void start() {
        node = new TestNode(certificates);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        node.close();
    }

    private static ConfigurableApplicationContext run(String... properties) {
        return run(new SpringApplicationBuilder(App.class), properties);
    }

    private static ConfigurableApplicationContext run(SpringApplicationBuilder application, String... properties) {
        return application.web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "global-sessions.relays=" + node.relay(),
                        "global-sessions.certificates=" + node.certificates,
                        "global-sessions.table.path=" + node.shm.resolve("boot-" + System.nanoTime() + ".lru"),
                        "global-sessions.table.record-size=" + TestNode.RECORD_SIZE)
                .properties(properties).run();
    }

    @Test
    void propertiesMakeARepositoryOnTheCluster() {
        try (ConfigurableApplicationContext context = run("global-sessions.session.max-inactive-interval=20m",
                "global-sessions.session.slide-fraction=0.5", "global-sessions.settings.request-timeout=5s")) {
            SessionRepository<?> repository = context.getBean(SessionRepository.class);
            assertInstanceOf(GlobalSessionsSessionRepository.class, repository);
            assertEquals(0.5, context.getBean(SessionLifecycle.class).slideFraction());
            assertInstanceOf(FindByIndexNameSessionRepository.class, repository);
            SessionCacheManager cache = context.getBean(SessionCacheManager.class);
            TestNode.awaitWritable(cache);

            GlobalSessionsSessionRepository sessions = (GlobalSessionsSessionRepository) repository;
            GlobalSessionsSession session = sessions.createSession();
            assertEquals(Duration.ofMinutes(20), session.getMaxInactiveInterval());
            session.setAttribute("user", "alice");
            sessions.save(session);
            assertEquals("alice", sessions.findById(session.getId()).getAttribute("user"));
        }
    }

    @Test
    void sessionsAreKeptInTheNamespaceTheyName() {
        try (ConfigurableApplicationContext context = run("global-sessions.session.namespace=web",
                "global-sessions.settings.edge.namespaces.web.record-size=" + (TestNode.RECORD_SIZE - 4),
                "global-sessions.settings.edge.namespaces.web.default-ttl=30m",
                "global-sessions.settings.edge.namespaces.web.max-lifetime=12h")) {
            SessionCacheManager cache = context.getBean(SessionCacheManager.class);
            TestNode.awaitWritable(cache);
            GlobalSessionsSessionRepository sessions = context.getBean(GlobalSessionsSessionRepository.class);
            GlobalSessionsSession session = sessions.createSession();
            session.setAttribute("user", "bob");
            sessions.save(session);
            assertTrue(cache.namespace("web").get(session.getId()).toCompletableFuture().join().isPresent(), "in namespace web");
            assertTrue(cache.get(session.getId()).toCompletableFuture().join().isEmpty(), "not in the default keyspace");
        }
        Exception e = assertThrows(Exception.class, () -> run("global-sessions.session.namespace=orders").close());
        assertTrue(rootMessage(e).contains("global-sessions.session.namespace: no namespace \"orders\": this manager's namespaces "
                + "are none (edge.namespaces); declare it under global-sessions.settings.edge.namespaces.orders"), rootMessage(e));
    }

    @Test
    void withSpringSecurityTheCapIsCheckedAtLoginCapOrNot() {
        for (String cap : List.of("0", "2")) {
            try (ConfigurableApplicationContext context = run("global-sessions.session.max-sessions-per-principal=" + cap)) {
                assertEquals(1, context.getBeansOfType(GlobalSessionsConcurrencyControl.class).size(), "cap " + cap);
            }
        }
    }

    /** The application's class loader with Spring Security taken away, as an application without it has. */
    @Test
    void withoutSpringSecurityTheRestIsMadeWithoutTheLoginCheck() {
        ClassLoader withoutSecurity = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("org.springframework.security.")) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        SpringApplicationBuilder application = new SpringApplicationBuilder(App.class).resourceLoader(new DefaultResourceLoader(withoutSecurity));
        try (ConfigurableApplicationContext context = run(application, "global-sessions.session.max-sessions-per-principal=2")) {
            assertInstanceOf(GlobalSessionsSessionRepository.class, context.getBean(SessionRepository.class));
            assertTrue(context.getBeansOfType(GlobalSessionsConcurrencyControl.class).isEmpty());
        }
    }

    @Test
    void disabledMakesNothing() {
        try (ConfigurableApplicationContext context = run("global-sessions.enabled=false")) {
            assertTrue(context.getBeansOfType(SessionRepository.class).isEmpty());
            assertTrue(context.getBeansOfType(SessionCacheManager.class).isEmpty());
        }
    }

    @Test
    void aBadSettingStopsTheStartNamingIt() {
        Exception e = assertThrows(Exception.class, () -> run("global-sessions.session.slide-fraction=2").close());
        assertTrue(rootMessage(e).contains("global-sessions.session.slide-fraction: slideFraction=2.0"), rootMessage(e));
        e = assertThrows(Exception.class, () -> run("global-sessions.session.max-lifetime=0s").close());
        assertTrue(rootMessage(e).contains("global-sessions.session: maxLifetime=PT0S: must be positive"), rootMessage(e));
        e = assertThrows(Exception.class, () -> run("global-sessions.session.at-cap=oldest").close());
        assertTrue(rootMessage(e).contains("global-sessions.session.at-cap: at-cap=oldest: must be refuse or end-oldest"),
                rootMessage(e));
        e = assertThrows(Exception.class, () -> run("global-sessions.session.max-sessions-per-principal=-1").close());
        assertTrue(rootMessage(e).contains("global-sessions.session.max-sessions-per-principal: maxSessions=-1"), rootMessage(e));
    }

    private static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
