package dev.rigfleet.workspaces.model;

import java.time.Instant;
import java.util.UUID;

/** A deployment handed to one user; its id is the instance the holder makes of it. */
public record Holding(
        UUID id,
        UUID deploymentId,
        UUID userId,
        String username,
        UUID reservationId,
        Instant startedAt,
        Instant leaseExpiresAt,
        Instant endedAt) {}
