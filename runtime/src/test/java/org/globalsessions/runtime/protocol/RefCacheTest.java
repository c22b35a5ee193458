package org.globalsessions.runtime.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each ref is formatted and resolved once, temporary actors' refs never kept, and the maps stay bounded. */
class RefCacheTest {

    private static ActorSystem<Void> system;
    private static ActorRefResolver resolver;

    @BeforeAll
    static void start() {
        system = ActorSystem.create(Behaviors.empty(), "ref-cache");
        resolver = ActorRefResolver.get(system);
    }

    @AfterAll
    static void stop() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private final RefCache cache = new RefCache();
    private final AtomicInteger formatted = new AtomicInteger();
    private final AtomicInteger resolved = new AtomicInteger();

    private byte[] format(ActorRef<?> ref) {
        return cache.format(ref, r -> {
            formatted.incrementAndGet();
            return resolver.toSerializationFormat(r).getBytes(StandardCharsets.UTF_8);
        });
    }

    private ActorRef<?> ref(String format) {
        return cache.ref(format, f -> {
            resolved.incrementAndGet();
            return resolver.resolveActorRef(f);
        });
    }

    @Test
    void aLongLivedActorIsFormattedAndResolvedOnce() {
        String path = "pekko://ref-cache/user/edge#42";
        ActorRef<?> edge = ref(path);
        assertSame(edge, ref(path), "the same ref, not parsed again");
        assertEquals(1, resolved.get());

        byte[] format = format(edge);
        assertArrayEquals(path.getBytes(StandardCharsets.UTF_8), format);
        assertSame(format, format(resolver.resolveActorRef(path)), "an equal ref finds the same format");
        assertEquals(1, formatted.get());
    }

    /** An ask's temporary actor, and a path without a uid (whatever lives there now): resolved every time. */
    @Test
    void aTemporaryActorOrAPathWithoutAUidIsNotKept() {
        String temporaryPath = "pekko://ref-cache/temp/$a#7";
        for (String path : List.of(temporaryPath, "pekko://ref-cache/user/relay")) {
            ref(path);
            ref(path);
        }
        assertEquals(4, resolved.get());
        ActorRef<?> temporary = resolver.resolveActorRef(temporaryPath);
        format(temporary);
        format(temporary);
        assertEquals(2, formatted.get());
        assertEquals(0, cache.size());
    }

    @Test
    void eachMapStartsOverPastItsBound() {
        for (int i = 0; i < RefCache.MAX_ENTRIES * 2 + 10; i++) {
            format(ref("pekko://ref-cache/user/edge-" + i + "#1"));
        }
        assertTrue(cache.size() <= 2 * RefCache.MAX_ENTRIES, "entries: " + cache.size());
    }
}
