package org.globalsessions.client.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys an edge told its listeners about lately, so that one event heard several times (from
 * each relay, from two relief replicas) is told once: a key is new again after {@code windowMillis}
 * or once {@code capacity} newer keys pushed it out.
 *
 * <p>Not thread-safe: owned by the edge's actor.
 */
final class RecentKeys {

    private final int capacity;
    private final long windowMillis;
    /** Key → when it was first heard, oldest first. */
    private final LinkedHashMap<String, Long> heard = new LinkedHashMap<>();

    RecentKeys(int capacity, long windowMillis) {
        this.capacity = capacity;
        this.windowMillis = windowMillis;
    }

    /** Whether {@code key} was not heard within the window; it counts as heard now if so. */
    boolean firstTime(String key, long nowMillis) {
        Long at = heard.get(key);
        if (at != null && nowMillis - at < windowMillis) {
            return false;
        }
        heard.remove(key);
        for (Iterator<Map.Entry<String, Long>> oldest = heard.entrySet().iterator(); oldest.hasNext(); ) {
            Map.Entry<String, Long> e = oldest.next();
            if (nowMillis - e.getValue() < windowMillis && heard.size() < capacity) {
                break;
            }
            oldest.remove();
        }
        heard.put(key, nowMillis);
        return true;
    }

    int size() {
        return heard.size();
    }
}
