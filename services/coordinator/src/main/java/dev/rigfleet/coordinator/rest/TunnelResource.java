package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.coordinator.service.Tunnels;
import dev.rigfleet.coordinator.service.Tunnels.Tunnel;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * {@code /internal/tunnels}: for the instances service only, never routed from outside. A tunnel is a port on this
 * replica that reaches a TCP port on the device's loopback interface.
 */
@Path("/internal/tunnels")
@InternalApi(callers = "instances")
public class TunnelResource {

    public record TunnelRequest(
            @NotNull String device,
            @NotNull @Min(1) @Max(65535) Integer port) {}

    private final Tunnels tunnels;

    public TunnelResource(Tunnels tunnels) {
        this.tunnels = tunnels;
    }

    @POST
    public Uni<Response> open(@Valid @NotNull TunnelRequest request) {
        String uuid = AgentIds.deviceUuid(request.device());
        return tunnels.open(uuid, request.port())
                .map(tunnel -> Response.status(201).entity(tunnel).build());
    }

    @GET
    @Path("/{id}")
    public Tunnel get(@PathParam("id") String id) {
        return tunnels.find(id).orElseThrow(() -> ApiException.notFound("no tunnel " + id));
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> close(@PathParam("id") String id) {
        return tunnels.close(id).map(closed -> {
            if (!closed) {
                throw ApiException.notFound("no tunnel " + id);
            }
            return Response.noContent().build();
        });
    }
}
