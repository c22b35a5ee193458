package org.globalsessions.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallbackFutureTest {

    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "callbacks"));

    @AfterEach
    void stop() {
        callbacks.shutdownNow();
    }

    @Test
    void everyKindOfCallbackRunsOnTheCallbackExecutorNotOnTheCompletingThread() throws Exception {
        CallbackFuture<String> future = new CallbackFuture<>(callbacks);
        List<String> threads = new CopyOnWriteArrayList<>();
        Runnable record = () -> threads.add(Thread.currentThread().getName());
        CompletableFuture<?>[] dependents = {
            future.thenApply(v -> { record.run(); return v; }),
            future.thenAccept(v -> record.run()),
            future.thenRun(record),
            future.whenComplete((v, e) -> record.run()),
            future.handle((v, e) -> { record.run(); return v; }),
            future.thenCompose(v -> { record.run(); return CompletableFuture.completedFuture(v); }),
            future.thenCombine(CompletableFuture.completedFuture(1), (a, b) -> { record.run(); return a; }),
            future.thenApply(v -> v).thenApply(v -> { record.run(); return v; }), // a derived future too
        };
        Thread completer = new Thread(() -> future.complete("answer"), "pekko-like");
        completer.start();
        completer.join();
        CompletableFuture.allOf(dependents).get(5, TimeUnit.SECONDS);
        assertEquals(dependents.length, threads.size());
        assertTrue(threads.stream().allMatch("callbacks"::equals), threads.toString());
    }

    @Test
    void aBlockedCallerGetsTheAnswerAndFailuresArriveAsTheyWouldFromHandleAsync() throws Exception {
        CallbackFuture<String> ok = new CallbackFuture<>(callbacks);
        new Thread(() -> ok.complete("v")).start();
        assertEquals("v", ok.get(5, TimeUnit.SECONDS));

        CallbackFuture<String> failed = new CallbackFuture<>(callbacks);
        IllegalStateException cause = new IllegalStateException("relay down");
        failed.completeExceptionally(new CompletionException(cause));
        ExecutionException viaGet = assertThrows(ExecutionException.class, () -> failed.get(5, TimeUnit.SECONDS));
        assertEquals(cause, viaGet.getCause());
        CompletionException viaJoin = assertThrows(CompletionException.class, failed::join);
        assertEquals(cause, viaJoin.getCause());
        Throwable seen = failed.exceptionally(e -> { throw new CompletionException(e); })
                .handle((v, e) -> e).get(5, TimeUnit.SECONDS);
        assertInstanceOf(CompletionException.class, seen);
    }
}
