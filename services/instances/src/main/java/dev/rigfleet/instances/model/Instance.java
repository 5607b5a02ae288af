package dev.rigfleet.instances.model;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An instance as stored; {@code sealedPrivateKey} is null when the user brought their own key; {@code hostDevice},
 * {@code tunnelUrl} and {@code firewall} are null until the device made it (READY).
 */
public record Instance(
        UUID id,
        UUID userId,
        String username,
        UUID deploymentId,
        String type,
        String region,
        Status status,
        String statusReason,
        Instant startedAt,
        Instant endedAt,
        Instant expiresAt,
        boolean keepalive,
        String publicKey,
        String sealedPrivateKey,
        String eurl,
        String fwdIpv4,
        Integer fwdPort,
        List<String> hostkeys,
        String hostDevice,
        String tunnelUrl,
        List<FirewallRule> firewall,
        boolean vpn) {

    /** The spec's statuses; an instance is usable only when READY. */
    public enum Status {
        INIT,
        READY,
        INIT_FAIL,
        TERMINATING,
        TERMINATED;

        public boolean live() {
            return this == INIT || this == READY || this == TERMINATING;
        }
    }
}
