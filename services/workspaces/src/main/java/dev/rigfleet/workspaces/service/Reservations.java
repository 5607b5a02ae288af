package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.model.Reservation;
import dev.rigfleet.workspaces.repository.DeploymentRepository;
import dev.rigfleet.workspaces.repository.EurlDeliveryRepository;
import dev.rigfleet.workspaces.repository.ReservationRepository;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Users' reservations: listed, deleted, and ended by their time-out. A reservation that ends without being promoted
 * owes its eurl a {@code "reservation"} callback, stored in the same transaction.
 */
@ApplicationScoped
public class Reservations {

    private static final int BATCH = 100;

    private final Pool pool;
    private final ReservationRepository reservations;
    private final DeploymentRepository deployments;
    private final EurlDeliveryRepository deliveries;
    private final EurlDeliveries eurls;

    public Reservations(
            Pool pool,
            ReservationRepository reservations,
            DeploymentRepository deployments,
            EurlDeliveryRepository deliveries,
            EurlDeliveries eurls) {
        this.pool = pool;
        this.reservations = reservations;
        this.deployments = deployments;
        this.deliveries = deliveries;
        this.eurls = eurls;
    }

    /** A reservation waiting, and its place in its queue (1: promoted when the hardware it waits for frees). */
    public record Waiting(Reservation reservation, int place) {}

    /** The requester's queued reservations, oldest first, with their places; an admin's list holds everyone's. */
    public Uni<List<Waiting>> queued(Requester requester) {
        return reservations.queued(requester.admin() ? null : requester.id()).chain(queued -> {
            List<String> types =
                    queued.stream().map(Reservation::type).distinct().toList();
            Uni<Map<String, List<UUID>>> deploymentsByType = types.isEmpty()
                    ? Uni.createFrom().item(Map.of())
                    : Uni.join()
                            .all(types.stream()
                                    .map(type -> deployments
                                            .ofType(type)
                                            .map(found -> Map.entry(
                                                    type,
                                                    found.stream()
                                                            .map(Deployment::id)
                                                            .toList())))
                                    .toList())
                            .andFailFast()
                            .map(entries ->
                                    entries.stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
            return deploymentsByType.chain(byType -> reservations
                    .waitingOfTypes(types, Instant.now())
                    .map(waiting -> queued.stream()
                            .map(r -> new Waiting(
                                    r, QueuePlaces.of(r, waiting, byType.getOrDefault(r.type(), List.of()))))
                            .toList()));
        });
    }

    /** Irreversible: the reservation leaves its queue. Another user's is as unknown as one that never was. */
    public Uni<Reservation> delete(Requester requester, UUID id) {
        return pool.withTransaction(tx -> reservations
                        .end(tx, id, requester.admin() ? null : requester.id(), Reservation.DELETED, Instant.now())
                        .call(ended -> {
                            if (ended == null) {
                                throw ApiException.notFound("reservation not found");
                            }
                            return oweCallbacks(tx, List.of(ended), "deleted");
                        }))
                .call(eurls::deliverDue);
    }

    /** Ends as expired those whose {@code queue_timeout} has passed; how many. */
    public Uni<Integer> expireDue() {
        return pool.withTransaction(tx -> reservations
                        .expireDue(tx, Instant.now(), BATCH)
                        .call(expired -> oweCallbacks(tx, expired, "expired")))
                .map(List::size);
    }

    /** Ends as expired those waiting for one deployment that was retired. */
    Uni<Void> expireFor(SqlClient tx, UUID deploymentId) {
        return reservations
                .expireFor(tx, deploymentId, Instant.now())
                .chain(expired -> oweCallbacks(tx, expired, "expired"));
    }

    private Uni<Void> oweCallbacks(SqlClient tx, List<Reservation> ended, String how) {
        return Multi.createFrom()
                .iterable(ended)
                .filter(r -> r.options().hasEurl())
                .onItem()
                .transformToUniAndConcatenate(
                        r -> deliveries.owe(tx, r.userId(), r.options().eurl(), payload(r, how), Instant.now()))
                .collect()
                .last()
                .replaceWithVoid();
    }

    /** As the reference sends it: {@code {id, wd, kind, val, user}}. */
    static Map<String, Object> payload(Reservation r, String how) {
        Map<String, Object> payload = new HashMap<>();
        payload.put("id", r.id().toString());
        payload.put("wd", r.deploymentId() == null ? null : r.deploymentId().toString());
        payload.put("kind", "reservation");
        payload.put("val", how);
        payload.put("user", r.username());
        return payload;
    }
}
