/**
 * The shared-memory LRU table: {@link org.globalsessions.shm.ShmLru}, one memory-mapped file
 * per host that every process reads and writes directly, with per-segment locks that survive
 * the death of their holder. The byte layout is specified in {@code shm-lru/SPEC.md}.
 */
package org.globalsessions.shm;
