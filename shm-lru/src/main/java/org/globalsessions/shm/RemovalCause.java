package org.globalsessions.shm;

/** Why the table dropped an entry on its own. */
public enum RemovalCause {
    /** The segment was full and this was its least recently used entry. */
    CAPACITY,
    /** Its time to live ran out. */
    EXPIRED
}
