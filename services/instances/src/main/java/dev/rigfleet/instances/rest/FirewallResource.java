package dev.rigfleet.instances.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.http.AcceptsAnyContentType;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.common.net.Ipv4Block;
import dev.rigfleet.instances.model.FirewallRule;
import dev.rigfleet.instances.model.Requester;
import dev.rigfleet.instances.service.Firewalls;
import dev.rigfleet.instances.service.NewInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /firewall/:id}: the instance's chain as the spec and the reference serve it, {@code {"rules": [{source,
 * action}, ...]}} or {@code {"rules": null}} before READY. POST appends one rule (an empty body allows the caller's own
 * address), DELETE empties the chain.
 */
@Path("/firewall/{id}")
@RerobotsRoutes
@RolesAllowed(Caller.USER_SCOPE)
public class FirewallResource {

    private static final Set<String> ACTIONS = Set.of("ACCEPT", "DROP", "REJECT");

    private final Firewalls firewalls;
    private final SecurityIdentity identity;
    private final ObjectMapper json;
    private final HttpServerRequest request;

    public FirewallResource(
            Firewalls firewalls, SecurityIdentity identity, ObjectMapper json, HttpServerRequest request) {
        this.firewalls = firewalls;
        this.identity = identity;
        this.json = json;
        this.request = request;
    }

    @GET
    public Uni<Map<String, Object>> get(@PathParam("id") String id) {
        return firewalls.rules(requester(), Requests.instanceId(id)).map(FirewallResource::rules);
    }

    /**
     * {@code src} defaults to the caller's address: the entry proxy's forwarded one when the proxy is trusted
     * ({@code quarkus.http.proxy.*}), else the connection's.
     */
    @POST
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> append(@PathParam("id") String id, String body) {
        JsonNode given = Requests.optionalJson(json, body);
        String source = text(given, "src");
        String action = text(given, "action");
        if (source == null) {
            String caller = request.remoteAddress().hostAddress();
            if (Ipv4Block.parse(caller).isEmpty()) {
                // The chain is IPv4, as the spec's: a caller from elsewhere must say which source to allow.
                throw NewInstance.refused(
                        "value for option `src` is needed: your address " + caller + " is not an IPv4 address");
            }
            source = caller + "/32";
        } else if (Ipv4Block.parse(source).isEmpty()) {
            throw NewInstance.refused("value for option `src` must be an IPv4 address or subnet in CIDR notation");
        }
        if (action == null) {
            action = "ACCEPT";
        } else if (!ACTIONS.contains(action)) {
            throw NewInstance.refused("value for option `action` not recognized");
        }
        return firewalls
                .append(requester(), Requests.instanceId(id), new FirewallRule(source, action))
                .map(FirewallResource::rules);
    }

    @DELETE
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> clear(@PathParam("id") String id) {
        return firewalls.clear(requester(), Requests.instanceId(id)).map(FirewallResource::rules);
    }

    private static Map<String, Object> rules(List<FirewallRule> chain) {
        Map<String, Object> answer = new HashMap<>();
        answer.put("rules", chain);
        return answer;
    }

    private static String text(JsonNode body, String name) {
        if (body == null || body.get(name) == null || body.get(name).isNull()) {
            return null;
        }
        if (!body.get(name).isTextual()) {
            throw NewInstance.refused("value for option `" + name + "` has wrong type");
        }
        return body.get(name).asText();
    }

    private Requester requester() {
        return Requester.of(identity);
    }
}
