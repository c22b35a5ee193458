package org.globalsessions.shm;

import java.util.List;

/**
 * The result of checking a table's structure: index, records, LRU list, free list and counts
 * agree in every segment. {@code problems} is empty when they do.
 */
public record IntegrityReport(int segments, long entries, List<String> problems) {

    public boolean ok() {
        return problems.isEmpty();
    }
}
