package dev.rigfleet.common.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.quarkus.logging.Log;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The election as a {@code coordination.k8s.io/v1} Lease, run by Fabric8's leader elector: the leader renews the
 * Lease every renew interval and gives the role up when it cannot within two thirds of the term; the others take
 * the Lease once its holder has not renewed it for a whole term. The elector returns when this replica loses the
 * role; it is then started again, to take part in the next term.
 */
final class LeaseElection implements Election {

    private final KubernetesClient kubernetes;
    private final LeadershipConfig config;
    private final String namespace;
    private volatile boolean stopped;
    private volatile CompletableFuture<?> running;

    LeaseElection(KubernetesClient kubernetes, LeadershipConfig config) {
        this.kubernetes = kubernetes;
        this.config = config;
        this.namespace = config.namespace().orElseGet(kubernetes::getNamespace);
    }

    @Override
    public void start(String identity, Consumer<Boolean> leading) {
        LeaderElector elector = kubernetes
                .leaderElector()
                .withConfig(new LeaderElectionConfigBuilder()
                        .withName(config.name())
                        .withLock(new LeaseLock(namespace, config.name(), identity))
                        .withLeaseDuration(config.term())
                        .withRenewDeadline(config.term().multipliedBy(2).dividedBy(3))
                        .withRetryPeriod(config.renewInterval())
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(new LeaderCallbacks(
                                () -> leading.accept(true),
                                () -> leading.accept(false),
                                leader -> Log.infof("Lease %s/%s is held by %s", namespace, config.name(), leader)))
                        .build())
                .build();
        running = elector.start();
        running.whenComplete((ignored, failure) -> {
            if (failure != null && !stopped) {
                Log.warnf(
                        "The election on Lease %s/%s stopped (%s); taking part again",
                        namespace, config.name(), failure.toString());
            }
            if (!stopped) {
                // Not at once: an elector that fails at its first call (no API server, no rights) would spin.
                CompletableFuture.delayedExecutor(config.renewInterval().toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> {
                            if (!stopped) {
                                start(identity, leading);
                            }
                        });
            }
        });
    }

    @Override
    public void stop() {
        stopped = true;
        CompletableFuture<?> elector = running;
        if (elector != null) {
            // Cancelling releases the Lease when held (withReleaseOnCancel).
            elector.cancel(true);
        }
    }
}
