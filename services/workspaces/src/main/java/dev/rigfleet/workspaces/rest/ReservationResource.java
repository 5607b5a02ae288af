package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.workspaces.model.EurlDelivery;
import dev.rigfleet.workspaces.model.Reservation;
import dev.rigfleet.workspaces.repository.EurlDeliveryRepository;
import dev.rigfleet.workspaces.service.Reservations;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** The caller's reservations ({@code GET /reservations}, {@code DELETE /reservation/:id}) and callbacks. */
@Path("/")
@RerobotsRoutes
@RolesAllowed(Caller.USER_SCOPE)
public class ReservationResource {

    private static final int NOTIFICATIONS_SHOWN = 100;

    private final Reservations reservations;
    private final EurlDeliveryRepository deliveries;
    private final Requesters requesters;

    public ReservationResource(Reservations reservations, EurlDeliveryRepository deliveries, Requesters requesters) {
        this.reservations = reservations;
        this.deliveries = deliveries;
        this.requesters = requesters;
    }

    @GET
    @Path("/reservations")
    public Uni<Map<String, Object>> list() {
        return requesters
                .required()
                .chain(reservations::queued)
                .map(queued -> Map.of(
                        "reservations",
                        queued.stream()
                                .map(waiting -> {
                                    Map<String, Object> view = view(waiting.reservation());
                                    view.put("place", waiting.place());
                                    return view;
                                })
                                .toList()));
    }

    @DELETE
    @Path("/reservation/{id}")
    public Uni<Map<String, Object>> delete(@PathParam("id") String id) {
        UUID reservationId = Ids.canonical(id, "reservation not found");
        return requesters
                .required()
                .chain(requester -> reservations.delete(requester, reservationId))
                .map(deleted -> Map.of("id", deleted.id().toString(), "state", deleted.state()));
    }

    /** The callbacks owed to the caller's URLs and how each went, newest first. */
    @GET
    @Path("/notifications")
    public Uni<Map<String, Object>> notifications() {
        return requesters
                .required()
                .chain(requester -> deliveries.ofUser(requester.id(), NOTIFICATIONS_SHOWN))
                .map(found -> Map.of(
                        "notifications",
                        found.stream().map(ReservationResource::view).toList()));
    }

    private static Map<String, Object> view(Reservation r) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", r.id().toString());
        view.put("created", r.createdAt().toString());
        view.put("desc", r.describe());
        view.put("user", r.username());
        view.put("priority", r.priority());
        if (r.expiresAt() != null) {
            view.put("expires", r.expiresAt().toString());
        }
        return view;
    }

    private static Map<String, Object> view(EurlDelivery d) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", d.id().toString());
        view.put("url", d.url());
        view.put("payload", d.payload());
        view.put("created", d.createdAt().toString());
        view.put("state", d.state());
        view.put("attempts", d.attempts());
        view.put("last_status", d.lastStatus());
        view.put("last_error", d.lastError());
        view.put("finished", d.finishedAt() == null ? null : d.finishedAt().toString());
        return view;
    }
}
