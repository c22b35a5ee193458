package org.globalsessions.actors.node;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko Management's readiness check of a node ({@code GET /ready}): {@link NodeHealth}'s
 * readiness. Registered by name in this module's reference.conf
 * ({@code pekko.management.health-checks.readiness-checks}); Pekko Management constructs it with
 * the node's actor system. A node that is not ready fails the check with the reasons, which Pekko
 * Management puts into the response body.
 */
public final class ReadinessCheck implements Supplier<CompletionStage<Boolean>> {

    private final NodeHealth health;

    public ReadinessCheck(ActorSystem system) {
        this.health = NodeHealth.get(Adapter.toTyped(system));
    }

    @Override
    public CompletionStage<Boolean> get() {
        return verdict(health.readinessProblems(), "not ready");
    }

    /**
     * True when {@code problems} is empty; otherwise a stage failed with {@link NotHealthy}
     * naming each problem (Pekko Management reports the message: "Check [class] failed: …").
     */
    static CompletionStage<Boolean> verdict(CompletionStage<List<String>> problems, String what) {
        CompletableFuture<Boolean> verdict = new CompletableFuture<>();
        problems.whenComplete((found, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                verdict.completeExceptionally(new NotHealthy(what + ": the check itself failed (" + cause + ")"));
            } else if (found.isEmpty()) {
                verdict.complete(true);
            } else {
                verdict.completeExceptionally(new NotHealthy(what + ": " + String.join("; ", found)));
            }
        });
        return verdict;
    }

    /** A failed health check, with what failed in its message (no stack trace: it is an answer, not a bug). */
    static final class NotHealthy extends RuntimeException {
        NotHealthy(String message) {
            super(message, null, false, false);
        }
    }
}
