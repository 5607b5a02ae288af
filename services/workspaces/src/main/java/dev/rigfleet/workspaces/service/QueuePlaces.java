package dev.rigfleet.workspaces.service;

import dev.rigfleet.workspaces.model.Reservation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A waiting reservation's place in its queue: the promotion, counting from 1, that would hand it hardware if the
 * deployments it waits for freed one at a time, by the rule promotion follows (ReservationRepository.lockNext:
 * priority, then arrival, except that a reservation for any deployment of the type never goes ahead of an older one
 * for the deployment that freed). A type reservation's place is its best over the type's deployments. Access rules
 * are left out, so it is an upper bound, as {@code GET /queuelen} is.
 */
final class QueuePlaces {

    private static final Comparator<Reservation> PROMOTION_ORDER =
            Comparator.comparingInt(Reservation::priority).reversed().thenComparingLong(Reservation::seq);

    private QueuePlaces() {}

    /**
     * {@code waiting}: every reservation still queued for {@code reservation}'s type; {@code deploymentsOfType}: the
     * type's deployments in service (for a type reservation, whose place is its best over them).
     */
    static int of(Reservation reservation, List<Reservation> waiting, List<UUID> deploymentsOfType) {
        if (reservation.deploymentId() != null) {
            return promotionsUntil(reservation, reservation.deploymentId(), waiting);
        }
        return deploymentsOfType.stream()
                .mapToInt(deployment -> promotionsUntil(reservation, deployment, waiting))
                .min()
                .orElseGet(() -> promotionsUntil(reservation, null, waiting));
    }

    /** Promotions onto {@code deployment} (null: a deployment that no reservation names) until {@code reservation}'s. */
    private static int promotionsUntil(Reservation reservation, UUID deployment, List<Reservation> waiting) {
        List<Reservation> competing = new ArrayList<>(waiting.stream()
                .filter(r -> r.type().equals(reservation.type()))
                .filter(r -> r.deploymentId() == null || r.deploymentId().equals(deployment))
                .toList());
        for (int promotion = 1; !competing.isEmpty(); promotion++) {
            Reservation next = competing.stream().min(PROMOTION_ORDER).orElseThrow();
            if (next.deploymentId() == null) {
                long seq = next.seq();
                Optional<Reservation> olderForThisOne = competing.stream()
                        .filter(r -> r.deploymentId() != null && r.seq() < seq)
                        .min(PROMOTION_ORDER);
                next = olderForThisOne.orElse(next);
            }
            if (next.id().equals(reservation.id())) {
                return promotion;
            }
            competing.remove(next);
        }
        // Not among the waiting (it expired meanwhile): first for all this can tell.
        return 1;
    }
}
