package dev.rigfleet.workspaces.model;

import java.time.Instant;
import java.util.UUID;

/** A place in a use-queue: for any deployment of a type ({@code deploymentId} null) or for one deployment. */
public record Reservation(
        UUID id,
        long seq,
        UUID userId,
        String username,
        String type,
        UUID deploymentId,
        int priority,
        ReservationOptions options,
        Instant createdAt,
        Instant expiresAt,
        String state,
        UUID promotedTo) {

    public static final String QUEUED = "queued";
    public static final String PROMOTED = "promoted";
    public static final String EXPIRED = "expired";
    public static final String DELETED = "deleted";

    /** As the spec's {@code GET /reservations} shows it: {@code type basic_kobuki} or {@code deployment <id>}. */
    public String describe() {
        return deploymentId == null ? "type " + type : "deployment " + deploymentId;
    }
}
