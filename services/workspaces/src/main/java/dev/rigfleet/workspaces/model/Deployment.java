package dev.rigfleet.workspaces.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A hardware setup: one host device, where the instance runs, and optional peripheral devices, all of one owner.
 * {@code holdingId} is the open holding, null when free; {@code waiting} the queued reservations that apply to it;
 * {@code attention} what its owner should look at, null when nothing.
 */
public record Deployment(
        UUID id,
        String type,
        int typeVersion,
        UUID ownerId,
        String hostDevice,
        List<String> peripherals,
        String region,
        String description,
        long icounter,
        Instant createdAt,
        Instant retiredAt,
        boolean lockedOut,
        UUID holdingId,
        long waiting,
        String attention) {

    /** Every device that must be online for the deployment to be. */
    public List<String> devices() {
        List<String> all = new ArrayList<>(peripherals.size() + 1);
        all.add(hostDevice);
        all.addAll(peripherals);
        return all;
    }

    public boolean retired() {
        return retiredAt != null;
    }

    /** As the spec defines it: 0 when idle with no reservation that applies, else 1 + those reservations. */
    public long queueLength() {
        return holdingId == null && waiting == 0 ? 0 : 1 + waiting;
    }
}
