package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import dev.rigfleet.coordinator.service.Firewall;
import dev.rigfleet.coordinator.service.Tunnels;
import dev.rigfleet.coordinator.service.Tunnels.Tunnel;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;

/**
 * {@code /internal/tunnels}: for the instances service only, never routed from outside. A tunnel is a port on this
 * replica that reaches a TCP port on the device's loopback interface.
 */
@Path("/internal/tunnels")
@InternalApi(callers = "instances")
public class TunnelResource {

    /**
     * {@code instance}: reach that instance's SSH server on the device (wherever the agent's runtime put it) rather
     * than {@code port} on its loopback interface; {@code rules}: the firewall chain, in order; none opens the tunnel
     * to everyone ({@link Firewall#OPEN}).
     */
    public record TunnelRequest(
            @NotNull String device,
            @NotNull @Min(1) @Max(65535) Integer port,
            @Size(max = 64) String instance,
            List<Firewall.@NotNull Rule> rules) {}

    /** The whole chain, replacing the one before. */
    public record FirewallRequest(@NotNull List<Firewall.@NotNull Rule> rules) {}

    private final Tunnels tunnels;
    private final CoordinatorConfig config;

    public TunnelResource(Tunnels tunnels, CoordinatorConfig config) {
        this.tunnels = tunnels;
        this.config = config;
    }

    @POST
    public Uni<Response> open(@Valid @NotNull TunnelRequest request, @Context UriInfo uri) {
        String uuid = AgentIds.deviceUuid(request.device());
        Firewall firewall = request.rules() == null ? Firewall.OPEN : new Firewall(request.rules());
        // The replica's own address: a Service in front would send the next call to any replica.
        String replica =
                config.internalUrl().map(URI::toString).orElse(uri.getBaseUri().toString());
        return tunnels.open(uuid, request.port(), request.instance(), firewall, replica)
                .map(tunnel -> Response.status(201).entity(tunnel).build());
    }

    @PUT
    @Path("/{id}/firewall")
    public Tunnel setFirewall(@PathParam("id") String id, @Valid @NotNull FirewallRequest request) {
        return tunnels.setFirewall(id, new Firewall(request.rules()))
                .orElseThrow(() -> ApiException.notFound("no tunnel " + id));
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
