package dev.rigfleet.workspaces.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** One callback owed to a user's URL, and how it went. */
public record EurlDelivery(
        UUID id,
        UUID userId,
        String url,
        Map<String, Object> payload,
        Instant createdAt,
        String state,
        int attempts,
        Integer lastStatus,
        String lastError,
        Instant finishedAt) {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";
    public static final String REFUSED = "refused";
}
