package org.globalsessions.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code global-sessions.*} properties of a Spring Boot application: where the cluster is,
 * this host's table, and the sessions' limits. Anything else the client knows is set with
 * {@code global-sessions.settings.<native key>} (keys under {@code global-sessions} in the
 * client's {@code reference.conf}, e.g. {@code global-sessions.settings.request-timeout=5s}), or
 * read from a native or seed file named by {@code global-sessions.config}.
 */
@ConfigurationProperties("global-sessions")
public class GlobalSessionsProperties {

    /** Whether the auto-configuration makes a session repository at all. */
    private boolean enabled = true;
    /** The relays, "host:port". */
    private List<String> relays = new ArrayList<>();
    /** A directory holding app.key, app.crt and ca.crt (what `global-sessions certs` writes). */
    private Path certificates;
    /** Send sessions in clear text (only to a cluster configured the same way). */
    private boolean plaintext;
    /** A client configuration file (native or seed shape), under these properties. */
    private Path config;
    private final Table table = new Table();
    private final Session session = new Session();
    /** Any native client setting by its key under global-sessions. */
    private Map<String, String> settings = new LinkedHashMap<>();

    /** This host's shared-memory table (L1). */
    public static class Table {
        /** The table file; default /dev/shm/global-sessions-edge.lru. */
        private Path path;
        /** Whether this process creates the table: exactly one process per host does. */
        private Boolean manageSection;
        /** Entries the table holds. */
        private Long elCount;
        /** Bytes of key + value per entry: a session with its attributes must fit. */
        private Integer recordSize;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public Boolean getManageSection() {
            return manageSection;
        }

        public void setManageSection(Boolean manageSection) {
            this.manageSection = manageSection;
        }

        public Long getElCount() {
            return elCount;
        }

        public void setElCount(Long elCount) {
            this.elCount = elCount;
        }

        public Integer getRecordSize() {
            return recordSize;
        }

        public void setRecordSize(Integer recordSize) {
            this.recordSize = recordSize;
        }
    }

    /** The limits of the sessions this application creates. */
    public static class Session {
        /** How long a session lives unused. */
        private Duration maxInactiveInterval = Duration.ofMinutes(30);
        /** How long a session lives at most from its creation, however often it is used. */
        private Duration maxLifetime = Duration.ofHours(12);
        /** The part of the interval after which a read writes the new last use (0.25: at most once per quarter). */
        private double slideFraction = 0.25;
        /** The most live sessions one principal (user) may hold; 0: no cap. */
        private int maxSessionsPerPrincipal;
        /** What a login at the cap does: refuse (the login fails) or end-oldest (the oldest sessions are logged out). */
        private String atCap = "refuse";
        /** The namespace (edge.namespaces, under global-sessions.settings) the sessions are kept in; none: the default keyspace. */
        private String namespace;

        public String getNamespace() {
            return namespace;
        }

        public void setNamespace(String namespace) {
            this.namespace = namespace;
        }

        public int getMaxSessionsPerPrincipal() {
            return maxSessionsPerPrincipal;
        }

        public void setMaxSessionsPerPrincipal(int maxSessionsPerPrincipal) {
            this.maxSessionsPerPrincipal = maxSessionsPerPrincipal;
        }

        public String getAtCap() {
            return atCap;
        }

        public void setAtCap(String atCap) {
            this.atCap = atCap;
        }

        public Duration getMaxInactiveInterval() {
            return maxInactiveInterval;
        }

        public void setMaxInactiveInterval(Duration maxInactiveInterval) {
            this.maxInactiveInterval = maxInactiveInterval;
        }

        public Duration getMaxLifetime() {
            return maxLifetime;
        }

        public void setMaxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
        }

        public double getSlideFraction() {
            return slideFraction;
        }

        public void setSlideFraction(double slideFraction) {
            this.slideFraction = slideFraction;
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public List<String> getRelays() {
        return relays;
    }

    public void setRelays(List<String> relays) {
        this.relays = relays;
    }

    public Path getCertificates() {
        return certificates;
    }

    public void setCertificates(Path certificates) {
        this.certificates = certificates;
    }

    public boolean isPlaintext() {
        return plaintext;
    }

    public void setPlaintext(boolean plaintext) {
        this.plaintext = plaintext;
    }

    public Path getConfig() {
        return config;
    }

    public void setConfig(Path config) {
        this.config = config;
    }

    public Table getTable() {
        return table;
    }

    public Session getSession() {
        return session;
    }

    public Map<String, String> getSettings() {
        return settings;
    }

    public void setSettings(Map<String, String> settings) {
        this.settings = settings;
    }
}
