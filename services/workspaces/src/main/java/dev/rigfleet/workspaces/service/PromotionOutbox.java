package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.bus.ReservationOptions;
import dev.rigfleet.proto.bus.ReservationPromoted;
import dev.rigfleet.workspaces.model.Reservation;
import dev.rigfleet.workspaces.repository.ReservationRepository;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Objects;

/**
 * Publishes stored promotions on the bus ({@code reservation.promoted}), in the order they happened, and marks them
 * sent. A promotion is stored in the transaction that makes it; one that is not marked sent (the bus was down, the
 * replica died) is sent again by the next run here or on another replica. Receivers key the instance by the
 * reservation's id, so a second copy makes nothing twice.
 */
@ApplicationScoped
public class PromotionOutbox {

    private static final int BATCH = 100;

    private final Pool pool;
    private final ReservationRepository reservations;
    private final Bus bus;

    public PromotionOutbox(Pool pool, ReservationRepository reservations, Bus bus) {
        this.pool = pool;
        this.reservations = reservations;
        this.bus = bus;
    }

    /** Sends what is owed; the number sent. */
    public Uni<Integer> publishPending() {
        return pool.withTransaction(tx -> reservations
                        .lockUnpublished(tx, BATCH)
                        .chain(owed -> {
                            if (owed.isEmpty()) {
                                return Uni.createFrom().item(0);
                            }
                            return Multi.createFrom()
                                    .iterable(owed)
                                    .onItem()
                                    .transformToUniAndConcatenate(
                                            r -> bus.publish(Topics.RESERVATION_PROMOTED, event(r)))
                                    .collect()
                                    .last()
                                    .chain(() -> reservations.markPublished(
                                            tx,
                                            owed.stream().map(Reservation::id).toList(),
                                            Instant.now()))
                                    .replaceWith(owed.size());
                        }))
                .onFailure()
                .invoke(e -> Log.warnf(
                        "Could not publish stored promotions (%s); they stay owed and are sent on the next sweep",
                        e.getMessage()))
                .onFailure()
                .recoverWithItem(0);
    }

    private static ReservationPromoted event(Reservation r) {
        var options = r.options();
        return ReservationPromoted.newBuilder()
                .setReservationId(r.id().toString())
                .setDeploymentId(r.promotedTo().toString())
                .setWorkspaceType(r.type())
                .setUserId(r.userId().toString())
                .setUsername(r.username())
                .setOptions(ReservationOptions.newBuilder()
                        .setSshPublicKey(Objects.requireNonNullElse(options.sshkey(), ""))
                        .setVpn(Boolean.TRUE.equals(options.vpn()))
                        .setExpireD(Objects.requireNonNullElse(options.expireD(), 0L))
                        .setKeepalive(Boolean.TRUE.equals(options.keepalive()))
                        .setEurl(Objects.requireNonNullElse(options.eurl(), "")))
                .build();
    }
}
