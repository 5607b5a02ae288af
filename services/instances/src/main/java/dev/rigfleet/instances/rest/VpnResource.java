package dev.rigfleet.instances.rest;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.AcceptsAnyContentType;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.instances.model.Requester;
import dev.rigfleet.instances.service.Instances;
import dev.rigfleet.instances.vpn.Vpns;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /vpn/:id}: the instance's VPN as the spec gives it ({@code GET}: status and clients; {@code POST}: a new
 * client's {@code client_id} and {@code ovpn}), and rigfleet's {@code DELETE /vpn/:id/client/:client_id}, which
 * revokes one client at once.
 */
@Path("/vpn/{id}")
@RerobotsRoutes
@RolesAllowed(Caller.USER_SCOPE)
public class VpnResource {

    private final Instances instances;
    private final Vpns vpns;
    private final SecurityIdentity identity;

    public VpnResource(Instances instances, Vpns vpns, SecurityIdentity identity) {
        this.instances = instances;
        this.vpns = vpns;
        this.identity = identity;
    }

    @GET
    public Uni<Map<String, Object>> get(@PathParam("id") String id) {
        return instances.visible(requester(), Requests.instanceId(id)).chain(vpns::view);
    }

    @POST
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> newClient(@PathParam("id") String id) {
        return instances.visible(requester(), Requests.instanceId(id)).chain(vpns::newClient);
    }

    @DELETE
    @Path("/client/{client}")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> revoke(@PathParam("id") String id, @PathParam("client") String client) {
        UUID clientId = Requests.canonicalUuid(client);
        if (clientId == null) {
            throw ApiException.resultMessage(404, "not_found", "client not found");
        }
        return instances
                .visible(requester(), Requests.instanceId(id))
                .chain(instance -> vpns.revoke(instance, clientId))
                .replaceWith(Map.of("client_id", clientId.toString(), "revoked", true));
    }

    private Requester requester() {
        return Requester.of(identity);
    }
}
