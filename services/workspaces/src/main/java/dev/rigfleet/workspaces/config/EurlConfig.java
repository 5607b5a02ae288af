package dev.rigfleet.workspaces.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Callbacks to URLs that users give (eurl). Such a URL points the platform at a place of the user's choosing, so it
 * must be https, and it may not reach loopback, link-local, private or cluster addresses unless its host is listed
 * here (docs/api.md, "Callbacks").
 */
@ConfigMapping(prefix = "rigfleet.eurl")
public interface EurlConfig {

    /** Allows plain {@code http} URLs; for development and tests only. */
    @WithDefault("false")
    boolean allowInsecure();

    /** Hosts (as written in the URL, case-insensitive) that may resolve to any address. */
    Optional<List<String>> allowedHosts();

    /**
     * Ranges refused beside loopback, link-local, private (RFC 1918, fc00::/7), CGNAT and the unspecified address:
     * the cluster's pod and service ranges.
     */
    Optional<List<String>> blockedRanges();

    /** Connect and answer time-out of one attempt. */
    @WithDefault("5s")
    Duration timeout();

    /** Attempts before a delivery is given up as failed. */
    @WithDefault("5")
    int maxAttempts();

    /** How often each replica looks for callbacks that are due (read by the scheduler, hence a string). */
    @WithDefault("2s")
    String pollInterval();

    /** Wait before the second attempt; it doubles after each. */
    @WithDefault("2s")
    Duration firstRetryDelay();
}
