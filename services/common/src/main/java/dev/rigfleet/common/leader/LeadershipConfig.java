package dev.rigfleet.common.leader;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How a service's replicas choose the one that runs its periodic jobs (docs/operations.md#leader-election). */
@ConfigMapping(prefix = "rigfleet.leadership")
public interface LeadershipConfig {

    /** Where the replicas hold their election. */
    enum Backend {
        /** A key in Redis, held with a time to live (outside a cluster: {@code make run}, tests). */
        REDIS,
        /** A {@code coordination.k8s.io} Lease in the pod's namespace (the chart sets this). */
        LEASE
    }

    @WithDefault("redis")
    Backend backend();

    /** What is elected: the Redis key's last part, or the Lease's name. One per service. */
    @WithDefault("${quarkus.application.name}")
    String name();

    /**
     * How long a leader that stops renewing keeps the role; the longest a dead leader's jobs pause before another
     * replica takes them over.
     */
    @WithDefault("15s")
    Duration term();

    /** How often the leader renews its term, and the others try to take it. A third of the term or less. */
    @WithDefault("5s")
    Duration renewInterval();

    /** The Lease's namespace; by default the one the Kubernetes client runs in (the pod's). */
    Optional<String> namespace();
}
