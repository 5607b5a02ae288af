package dev.rigfleet.coordinator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "rigfleet.coordinator")
public interface CoordinatorConfig {

    /** How long a checked device credential is trusted before the registry is asked again; a deprovisioning
     * event drops it at once. */
    @WithDefault("30s")
    Duration credentialCacheTtl();

    /** How often agents ping and report stats; presence is renewed on each ping. */
    @WithDefault("20s")
    Duration reportInterval();

    /**
     * How often a device's stats go into its history, the last 24 hours of which {@code GET /devices/:uuid/stats}
     * serves: one sample per interval of the reports, 288 a day at the default, so that the history of a thousand
     * devices stays within tens of megabytes of Redis.
     */
    @WithDefault("5m")
    Duration statsHistoryInterval();

    /**
     * Hellos this replica works on at once (presence, history, target state: registry calls); more wait their turn
     * in order. After a restart or an outage thousands of agents dial at the same moment, and a welcome that waited
     * inside a client pool until it timed out would only be dialled again.
     */
    @WithDefault("64")
    int maxConcurrentWelcomes();

    /**
     * Hellos that may wait for their turn; past it an agent is closed with 1013 "try again later" at once, before
     * any work, and dials again after its back-off.
     */
    @WithDefault("2048")
    int maxWaitingWelcomes();

    /** How long a command waits for the agent's answer when its sender set no deadline. */
    @WithDefault("30s")
    Duration commandTimeout();

    /**
     * An agent connection that sends nothing (not even its pings) for this long is closed, as a connection that
     * died without closing. Keep it a few report intervals.
     */
    @WithDefault("60s")
    Duration silenceLimit();

    /** Presence of a device expires this long after its coordinator last renewed it, should the coordinator vanish. */
    @WithDefault("60s")
    Duration presenceTtl();

    /** How often a replica renews the presence of all the devices it holds, in one batch; a third of the TTL. */
    @WithDefault("20s")
    Duration presenceRenewInterval();

    /**
     * The address tunnels listen on, and the host they are reported with. Only in-cluster callers (the instances
     * service) open tunnels, so keep it an address they reach and users do not.
     */
    @WithDefault("127.0.0.1")
    String tunnelHost();

    /** How long a tunnel holds a connection its firewall drops before it closes it without a byte. */
    @WithDefault("10s")
    Duration tunnelDropHold();

    /** Dropped connections a tunnel holds at once; more are reset at once. */
    @WithDefault("16")
    int tunnelDropLimit();

    /**
     * Where the instances service reaches this replica's {@code /internal/tunnels} (a tunnel lives on the replica
     * that opened it); by default the base URI the opening request came in on. The Helm chart sets the pod's own.
     */
    Optional<URI> internalUrl();

    /**
     * This replica's pod in a cluster (the chart sets it from the pod's name): told with each tunnel, so that the
     * instances service can point the tunnel's Service at exactly this pod.
     */
    Optional<String> podName();
}
