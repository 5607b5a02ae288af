package dev.rigfleet.workspaces.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.model.ReservationOptions;
import dev.rigfleet.workspaces.service.Allocator;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Allocation for the instances service ({@code POST /new} on a user's behalf): hand out a deployment or queue the
 * user, renew the holding's lease, release it. A refusal answers with the status and body that {@code POST /new}
 * relays to the user unchanged.
 */
@Path("/internal")
@InternalApi(callers = "instances")
public class InternalAllocationResource {

    public record AllocationRequest(
            @NotNull UUID user,
            @NotNull @Size(min = 1, max = 64) String username,
            Boolean admin,
            @Size(max = 64) String type,
            UUID deployment,
            Boolean reserve,
            Integer priority,
            @JsonProperty("queue_timeout") @Positive Long queueTimeout,
            @Valid ReservationOptions options) {

        Allocator.Request request() {
            return new Allocator.Request(
                    user,
                    username,
                    Boolean.TRUE.equals(admin),
                    type,
                    deployment,
                    Boolean.TRUE.equals(reserve),
                    priority == null ? 0 : priority,
                    queueTimeout,
                    options);
        }
    }

    /** {@code attention}: flags the deployment for its owner (an instance ended without its device confirming). */
    public record Release(@Size(max = 500) String attention) {}

    private final Allocator allocator;

    public InternalAllocationResource(Allocator allocator) {
        this.allocator = allocator;
    }

    @POST
    @Path("/allocations")
    public Uni<Map<String, Object>> allocate(@Valid @NotNull AllocationRequest request) {
        return allocator.allocate(request.request()).map(InternalAllocationResource::view);
    }

    /** The holding and where it runs: {@code host} is the device the instance is made on. */
    @GET
    @Path("/holdings/{id}")
    public Uni<Map<String, Object>> holding(@PathParam("id") UUID id) {
        return allocator.held(id).map(held -> {
            if (held == null) {
                throw ApiException.notFound("no holding " + id);
            }
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", id.toString());
            view.put("deployment", held.holding().deploymentId().toString());
            view.put("host", held.hostDevice());
            view.put("user", held.holding().userId().toString());
            view.put("lease_expires", held.holding().leaseExpiresAt().toString());
            if (held.holding().endedAt() != null) {
                view.put("ended", held.holding().endedAt().toString());
            }
            return view;
        });
    }

    @POST
    @Path("/holdings/{id}/renew")
    public Uni<Map<String, Object>> renew(@PathParam("id") UUID id) {
        return allocator.renew(id).map(expires -> Map.of("id", id.toString(), "lease_expires", expires.toString()));
    }

    @POST
    @Path("/holdings/{id}/release")
    public Uni<Map<String, Object>> release(@PathParam("id") UUID id, @Valid Release release) {
        String attention = release == null ? null : release.attention();
        return allocator.release(id, "released", attention).map(released -> {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("id", id.toString());
            view.put("released", released.released());
            view.put(
                    "promoted",
                    released.promoted() == null ? null : released.promoted().toString());
            return view;
        });
    }

    private static Map<String, Object> view(Allocator.Outcome outcome) {
        if (outcome instanceof Allocator.Allocated allocated) {
            return Map.of(
                    "outcome", "allocated",
                    "id", allocated.id().toString(),
                    "deployment", allocated.deployment().toString(),
                    "lease_expires", allocated.leaseExpires().toString());
        }
        return Map.of(
                "outcome", "reserved", "id", ((Allocator.Reserved) outcome).id().toString());
    }
}
