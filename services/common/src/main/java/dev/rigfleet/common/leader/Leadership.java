package dev.rigfleet.common.leader;

import dev.rigfleet.common.redis.RedisNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this replica is the one of its service that runs the periodic jobs (sweeps, retries, expiries): at most one
 * replica leads at a time, and when the leader dies another takes over within the term. Each job asks {@link #leads()}
 * when its timer fires and does nothing otherwise. Work started by a request or an event runs wherever it arrives.
 * A replica takes part from the first time a job asks (so a service without such jobs never does): its first run is
 * skipped while the election answers.
 */
@ApplicationScoped
public class Leadership {

    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final String identity;
    private final Election election;
    private final LeadershipConfig config;

    Leadership(
            LeadershipConfig config,
            Redis redis,
            Vertx vertx,
            RedisNamespace namespace,
            Instance<KubernetesClient> kubernetes,
            MeterRegistry meters) {
        this.config = config;
        // The pod's name in a cluster (HOSTNAME), made unique so that a restarted pod is a new candidate.
        this.identity = System.getenv().getOrDefault("HOSTNAME", "replica") + "-" + UUID.randomUUID();
        this.election = config.backend() == LeadershipConfig.Backend.LEASE
                ? new LeaseElection(kubernetes.get(), config)
                : new RedisElection(redis, vertx, namespace, config);
        Gauge.builder("rigfleet.leadership.leading", leading, held -> held.get() ? 1 : 0)
                .description("1 while this replica runs its service's periodic jobs")
                .register(meters);
    }

    @PreDestroy
    void stop() {
        if (started.get()) {
            election.stop();
        }
    }

    /** Whether this replica leads right now. */
    public boolean leads() {
        if (started.compareAndSet(false, true)) {
            election.start(identity, this::changed);
        }
        return leading.get();
    }

    private void changed(boolean nowLeading) {
        if (leading.getAndSet(nowLeading) != nowLeading) {
            Log.infof(
                    nowLeading
                            ? "This replica (%s) now runs the periodic jobs of %s (%s election)"
                            : "This replica (%s) no longer runs the periodic jobs of %s (%s election)",
                    identity,
                    config.name(),
                    config.backend().name().toLowerCase());
        }
    }
}
