package dev.rigfleet.workspaces.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.workspaces.model.Reservation;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class QueuePlacesTest {

    private static final UUID ONE = UUID.randomUUID();
    private static final UUID OTHER = UUID.randomUUID();

    private static Reservation waiting(long seq, UUID deployment, int priority) {
        return new Reservation(
                UUID.randomUUID(),
                seq,
                UUID.randomUUID(),
                "u" + seq,
                "arm",
                deployment,
                priority,
                null,
                Instant.EPOCH,
                null,
                Reservation.QUEUED,
                null);
    }

    /** The queue of AllocationTest's promotion-order test: its places are the order it is promoted in. */
    @Test
    void placesFollowThePromotionRuleWithItsExceptionForOlderReservationsOfTheDeployment() {
        Reservation typeFirst = waiting(1, null, 0);
        Reservation deploymentSecond = waiting(2, ONE, 0);
        Reservation typeUrgent = waiting(3, null, 5);
        Reservation deploymentLast = waiting(4, ONE, 0);
        List<Reservation> queue = List.of(typeFirst, deploymentSecond, typeUrgent, deploymentLast);
        List<UUID> deployments = List.of(ONE);

        assertEquals(1, QueuePlaces.of(deploymentSecond, queue, deployments));
        assertEquals(2, QueuePlaces.of(typeUrgent, queue, deployments));
        assertEquals(3, QueuePlaces.of(typeFirst, queue, deployments));
        assertEquals(4, QueuePlaces.of(deploymentLast, queue, deployments));
    }

    @Test
    void aTypeReservationTakesItsBestPlaceOverTheTypesDeployments() {
        Reservation forOne = waiting(1, ONE, 0);
        Reservation alsoForOne = waiting(2, ONE, 0);
        Reservation anyOfTheType = waiting(3, null, 0);
        List<Reservation> queue = List.of(forOne, alsoForOne, anyOfTheType);

        assertEquals(3, QueuePlaces.of(anyOfTheType, queue, List.of(ONE)));
        // Nobody waits for the other deployment in particular: the type reservation is next for it.
        assertEquals(1, QueuePlaces.of(anyOfTheType, queue, List.of(ONE, OTHER)));
        // Reservations for another type's hardware are not in this queue at all.
        Reservation elsewhere = new Reservation(
                UUID.randomUUID(),
                0,
                UUID.randomUUID(),
                "v",
                "drone",
                null,
                9,
                null,
                Instant.EPOCH,
                null,
                Reservation.QUEUED,
                null);
        assertEquals(1, QueuePlaces.of(forOne, List.of(elsewhere, forOne, alsoForOne), List.of(ONE)));
    }
}
