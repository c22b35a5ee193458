package org.globalsessions.actors.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko Management's liveness check of a node ({@code GET /alive}): {@link NodeHealth#livenessProblems}.
 * Registered by name in this module's reference.conf
 * ({@code pekko.management.health-checks.liveness-checks}).
 */
public final class LivenessCheck implements Supplier<CompletionStage<Boolean>> {

    private final NodeHealth health;

    public LivenessCheck(ActorSystem system) {
        this.health = NodeHealth.get(Adapter.toTyped(system));
    }

    @Override
    public CompletionStage<Boolean> get() {
        return ReadinessCheck.verdict(CompletableFuture.completedFuture(health.livenessProblems()), "not alive");
    }
}
