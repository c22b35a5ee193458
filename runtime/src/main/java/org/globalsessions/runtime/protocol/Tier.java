package org.globalsessions.runtime.protocol;

import java.util.Locale;

/** Where a value was found. */
public enum Tier {
    /** The host's shared-memory table. */
    L1,
    /** The relay's shared-memory table. */
    L2,
    /** The expansion relief tier (recent overflow). */
    EXPANSION,
    /** The aging relief tier (aged-out sessions, slow TTL). */
    AGING;

    private final String id = name().toLowerCase(Locale.ROOT);

    /** The lower-case name used in APIs, metrics tags and logs ({@code l1}, {@code l2}, {@code expansion}, {@code aging}). */
    public String id() {
        return id;
    }
}
