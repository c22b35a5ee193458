package org.globalsessions.shm;

/**
 * Told about each live entry the table drops on its own (capacity or expiry), in the process
 * and thread whose operation dropped it, after the segment lock is released. A relay uses it
 * to push pressure downstream. An exception thrown here is logged and never affects the table.
 * Tombstones are dropped silently.
 */
@FunctionalInterface
public interface EvictionListener {

    void onEviction(byte[] key, byte[] value, long version, RemovalCause cause);
}
