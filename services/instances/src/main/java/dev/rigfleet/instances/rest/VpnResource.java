package dev.rigfleet.instances.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.AcceptsAnyContentType;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.instances.model.Requester;
import dev.rigfleet.instances.service.Instances;
import dev.rigfleet.instances.service.NewInstance;
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
    private final ObjectMapper json;

    public VpnResource(Instances instances, Vpns vpns, SecurityIdentity identity, ObjectMapper json) {
        this.instances = instances;
        this.vpns = vpns;
        this.identity = identity;
        this.json = json;
    }

    @GET
    public Uni<Map<String, Object>> get(@PathParam("id") String id) {
        return instances.visible(requester(), Requests.instanceId(id)).chain(vpns::view);
    }

    /** The body may be absent, or {@code {"kind": "openvpn"}}; nothing else is served yet. */
    @POST
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> newClient(@PathParam("id") String id, String body) {
        checkClientRequest(Requests.optionalJson(json, body));
        return instances.visible(requester(), Requests.instanceId(id)).chain(vpns::newClient);
    }

    private static void checkClientRequest(JsonNode asked) {
        if (asked == null) {
            return;
        }
        if (!asked.isObject()) {
            throw NewInstance.refused("the request body must be a JSON object");
        }
        asked.fieldNames().forEachRemaining(name -> {
            if (!name.equals("kind")) {
                throw NewInstance.refused("unknown option `" + name + "`");
            }
        });
        JsonNode kind = asked.get("kind");
        if (kind != null && !kind.isTextual()) {
            throw NewInstance.refused("value for option `kind` has wrong type");
        }
        if (kind != null && !kind.asText().equals("openvpn")) {
            throw NewInstance.refused("value for option `kind` must be openvpn; WireGuard is not served yet");
        }
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
