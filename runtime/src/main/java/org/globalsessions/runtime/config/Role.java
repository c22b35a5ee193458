package org.globalsessions.runtime.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The server roles a node can run; also its Pekko Cluster roles. */
public enum Role {
    /** L2 table, forwards writes and misses, publishes invalidations. */
    RELAY("relay"),
    /** Attaches to the relay's L2, owns the sharding proxies to the relief tiers. */
    SIBLING("sibling"),
    /** The expansion tier: the most recent sessions. */
    RELIEF_EXPANSION("relief-expansion"),
    /** The aging tier: aged-out sessions, slow TTL. */
    RELIEF_AGING("relief-aging");

    /** Stands for every role in one JVM. */
    public static final String ALL = "all";

    private final String id;

    Role(String id) {
        this.id = id;
    }

    /** The name used in configs, on the command line and as the cluster role. */
    public String id() {
        return id;
    }

    /** The role named {@code id}; "all" is not a single role, see {@link #parseAll}. */
    public static Role parse(String id) {
        for (Role role : values()) {
            if (role.id.equals(id)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role '" + id + "'; known roles: " + names());
    }

    /** Roles named by {@code ids}, where "all" means every role. */
    public static Set<Role> parseAll(Iterable<String> ids) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String id : ids) {
            if (ALL.equals(id)) {
                roles.addAll(EnumSet.allOf(Role.class));
            } else {
                roles.add(parse(id));
            }
        }
        return roles;
    }

    public static String names() {
        return Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", ")) + ", " + ALL;
    }
}
