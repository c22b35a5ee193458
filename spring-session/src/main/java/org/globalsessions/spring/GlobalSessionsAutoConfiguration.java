package org.globalsessions.spring;

import java.time.Clock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.web.authentication.session.SessionAuthenticationStrategy;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.SessionRepository;
import org.springframework.session.config.annotation.web.http.SpringHttpSessionConfiguration;
import org.springframework.session.web.http.SessionRepositoryFilter;

import org.globalsessions.client.SessionCacheManager;
import org.globalsessions.client.SessionCacheManagerBuilder;
import org.globalsessions.client.SessionStore;
import org.globalsessions.client.lifecycle.PrincipalSessions;
import org.globalsessions.client.lifecycle.SessionLifecycle;

/**
 * Spring Boot auto-configuration: from the {@code global-sessions.*} properties
 * ({@link GlobalSessionsProperties}), a {@link SessionCacheManager} (closed with the context), a
 * {@link GlobalSessionsSessionRepository}, and in a servlet web application Spring Session's
 * {@link SessionRepositoryFilter}, so that {@code HttpSession} is the shared session, and with
 * Spring Security the cap checked at login ({@link GlobalSessionsConcurrencyControl}). Each bean
 * steps aside for one the application declares; {@code global-sessions.enabled=false} turns it
 * all off.
 */
@AutoConfiguration
@ConditionalOnClass(SessionRepository.class)
@ConditionalOnProperty(prefix = "global-sessions", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(GlobalSessionsProperties.class)
public class GlobalSessionsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public SessionCacheManager globalSessionsCacheManager(GlobalSessionsProperties properties) {
        return builder(properties).build();
    }

    /** The client builder the properties stand for (exposed for tests and for applications that build their own). */
    public static SessionCacheManagerBuilder builder(GlobalSessionsProperties properties) {
        SessionCacheManagerBuilder builder = SessionCacheManager.builder();
        if (properties.getConfig() != null) {
            builder.config(properties.getConfig());
        }
        if (!properties.getRelays().isEmpty()) {
            builder.relays(properties.getRelays().toArray(String[]::new));
        }
        if (properties.getCertificates() != null) {
            builder.certificates(properties.getCertificates());
        }
        if (properties.isPlaintext()) {
            builder.plaintext();
        }
        GlobalSessionsProperties.Table table = properties.getTable();
        if (table.getPath() != null) {
            builder.table(table.getPath());
        }
        if (table.getManageSection() != null) {
            builder.manageSection(table.getManageSection());
        }
        if (table.getElCount() != null) {
            builder.elCount(table.getElCount());
        }
        if (table.getRecordSize() != null) {
            builder.recordSize(table.getRecordSize());
        }
        properties.getSettings().forEach(builder::set);
        return builder;
    }

    /** Where the sessions are kept: global-sessions.session.namespace of the cache, or its default keyspace. */
    static SessionStore store(SessionCacheManager cache, GlobalSessionsProperties properties) {
        String namespace = properties.getSession().getNamespace();
        if (namespace == null || namespace.isEmpty()) {
            return cache;
        }
        try {
            return cache.namespace(namespace);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("global-sessions.session.namespace: " + e.getMessage()
                    + "; declare it under global-sessions.settings.edge.namespaces." + namespace, e);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    public SessionLifecycle globalSessionsLifecycle(SessionCacheManager cache, GlobalSessionsProperties properties) {
        try {
            return new SessionLifecycle(store(cache, properties), properties.getSession().getSlideFraction(), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("global-sessions.session.slide-fraction: " + e.getMessage(), e);
        }
    }

    @Bean
    @ConditionalOnMissingBean
    public SessionAttributeSerializer globalSessionsAttributeSerializer(org.springframework.core.io.ResourceLoader resources) {
        ClassLoader loader = resources.getClassLoader();
        return new JdkSessionAttributeSerializer(loader != null ? loader : GlobalSessionsAutoConfiguration.class.getClassLoader());
    }

    /** The principal index with the cap of global-sessions.session.max-sessions-per-principal and .at-cap. */
    @Bean
    @ConditionalOnMissingBean
    public PrincipalSessions globalSessionsPrincipals(SessionCacheManager cache, GlobalSessionsProperties properties) {
        GlobalSessionsProperties.Session session = properties.getSession();
        PrincipalSessions.AtCap atCap;
        try {
            atCap = PrincipalSessions.AtCap.parse(session.getAtCap());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("global-sessions.session.at-cap: " + e.getMessage(), e);
        }
        try {
            return new PrincipalSessions(store(cache, properties), session.getMaxSessionsPerPrincipal(), atCap);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("global-sessions.session.max-sessions-per-principal: " + e.getMessage(), e);
        }
    }

    @Bean
    @ConditionalOnMissingBean(SessionRepository.class)
    public GlobalSessionsSessionRepository sessionRepository(SessionLifecycle lifecycle, SessionAttributeSerializer serializer,
                                                             GlobalSessionsProperties properties, ApplicationEventPublisher events,
                                                             ObjectProvider<SessionIdGenerator> ids, PrincipalSessions principals) {
        GlobalSessionsProperties.Session session = properties.getSession();
        GlobalSessionsSessionRepository repository;
        try {
            repository = new GlobalSessionsSessionRepository(lifecycle, serializer, session.getMaxInactiveInterval(),
                    session.getMaxLifetime(), events, principals);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("global-sessions.session: " + e.getMessage(), e);
        }
        ids.ifAvailable(repository::setSessionIdGenerator);
        return repository;
    }

    /**
     * With Spring Security on the class path, the cap checked at login
     * ({@link GlobalSessionsConcurrencyControl}), for the application to add to its login. Made
     * whether or not the cap is on (it then passes every login), so that a security
     * configuration naming it keeps starting when the cap is turned off.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(SessionAuthenticationStrategy.class)
    static class SecurityConfiguration {

        @Bean
        @ConditionalOnMissingBean
        GlobalSessionsConcurrencyControl globalSessionsConcurrencyControl(PrincipalSessions principals) {
            return new GlobalSessionsConcurrencyControl(principals);
        }
    }

    /** Spring Session's filter (and its cookie), on the repository: HttpSession is the shared session. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnMissingBean(SessionRepositoryFilter.class)
    @Import(SpringHttpSessionConfiguration.class)
    static class ServletSessionConfiguration {
    }
}
