package org.globalsessions.runtime.protocol;

/** Where a value was found. */
public enum Tier {
    /** The host's shared-memory table. */
    L1,
    /** The relay's shared-memory table. */
    L2,
    /** The expansion relief tier (recent overflow). */
    EXPANSION,
    /** The aging relief tier (aged-out sessions, slow TTL). */
    AGING
}
