package org.globalsessions.runtime.protocol;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * The actor refs a serializer wrote and read lately, each with its serialization format. Nearly
 * every message names an actor to answer (an edge, a relay, a replica: a few long-lived actors),
 * and Pekko builds that path string on every write and parses it into a new ref on every read.
 *
 * <p>A format that ends in an actor's uid names one incarnation of it, so what it resolves to
 * never changes: that actor, or nothing once it stopped (a restarted actor has a new uid, hence a
 * new format). A format without a uid names whatever lives at the path now, so it is resolved
 * every time. Refs of temporary actors ({@code /temp/}, one per ask) are not kept. Bounded: past {@link #MAX_ENTRIES} a map starts
 * over. Thread-safe: Artery serializes and deserializes on several threads.
 */
final class RefCache {

    /** Entries kept per direction: far above the actors a process talks to, far below a memory concern. */
    static final int MAX_ENTRIES = 4_096;

    private final ConcurrentHashMap<ActorRef<?>, byte[]> formats = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ActorRef<?>> refs = new ConcurrentHashMap<>();

    /** The format of {@code ref}, from {@code format} the first time. */
    byte[] format(ActorRef<?> ref, Function<ActorRef<?>, byte[]> format) {
        byte[] bytes = formats.get(ref);
        if (bytes == null) {
            bytes = format.apply(ref);
            if (!temporary(ref)) {
                keep(formats, ref, bytes);
            }
        }
        return bytes;
    }

    /** The ref {@code format} names, from {@code resolve} the first time. */
    ActorRef<?> ref(String format, Function<String, ActorRef<?>> resolve) {
        ActorRef<?> ref = refs.get(format);
        if (ref == null) {
            ref = resolve.apply(format);
            if (format.indexOf('#') > 0 && !temporary(ref)) {
                keep(refs, format, ref);
            }
        }
        return ref;
    }

    int size() {
        return formats.size() + refs.size();
    }

    private static boolean temporary(ActorRef<?> ref) {
        scala.collection.Iterator<String> elements = ref.path().elements().iterator();
        return elements.hasNext() && "temp".equals(elements.next());
    }

    private static <K, V> void keep(ConcurrentHashMap<K, V> map, K key, V value) {
        if (map.size() >= MAX_ENTRIES) {
            map.clear();
        }
        map.put(key, value);
    }
}
