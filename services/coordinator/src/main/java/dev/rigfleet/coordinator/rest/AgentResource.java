package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.coordinator.client.RegistryClient;
import dev.rigfleet.coordinator.service.AgentReports;
import dev.rigfleet.proto.agent.CommandRequest;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Coder-style view of a device's agent, for its owner and admins: {@code GET /api/v2/workspaceagents/{id}},
 * {@code /{id}/connection} and {@code /{id}/listening-ports}. The id is the device's uuid, dashed as the spec's
 * examples show or as its 32 hex digits. Who may see it is {@link AgentOwners}' rule.
 */
@Path("/api/v2/workspaceagents/{id}")
@RolesAllowed(Caller.USER_SCOPE)
public class AgentResource {

    private static final Duration LISTENING_PORTS_TIMEOUT = Duration.ofSeconds(10);

    private final SecurityIdentity identity;
    private final AgentOwners owners;
    private final RegistryClient registry;
    private final AgentReports reports;
    private final ObjectMapper json;
    private final DeviceCommands commands;

    public AgentResource(
            SecurityIdentity identity,
            AgentOwners owners,
            RegistryClient registry,
            AgentReports reports,
            ObjectMapper json,
            DeviceCommands commands) {
        this.identity = identity;
        this.owners = owners;
        this.registry = registry;
        this.reports = reports;
        this.json = json;
        this.commands = commands;
    }

    @GET
    public Uni<Map<String, Object>> agent(@PathParam("id") String id) {
        String uuid = AgentIds.deviceUuid(id);
        return owners.device(identity, id)
                .chain(device -> registry.targetStateAsSeenBy(owners.authorization(identity), uuid)
                        .map(this::read)
                        .chain(target -> reports.health(uuid).map(health -> agent(device, target, health))));
    }

    @GET
    @Path("/connection")
    public Uni<Map<String, Object>> connection(@PathParam("id") String id) {
        // rigfleet relays through the coordinator, not DERP: the map is empty.
        return owners.device(identity, id).map(ignored -> Map.of("derp_map", Map.of("regions", Map.of())));
    }

    /**
     * The TCP ports something listens on, on the device: asked of its agent over the link, less what Coder leaves
     * out ({@link ListeningPortFilter}).
     */
    @GET
    @Path("/listening-ports")
    public Uni<Response> listeningPorts(@PathParam("id") String id) {
        CommandRequest request = CommandRequest.newBuilder()
                .setMethod("GET")
                .setPath("/rigfleet/v1/listening-ports")
                .setRequestId(Optional.ofNullable(RequestIds.current()).orElse(""))
                .build();
        return owners.connectedDevice(identity, id)
                .chain(device -> commands.send(AgentIds.deviceUuid(id), request, LISTENING_PORTS_TIMEOUT))
                // Presence said connected a moment ago, but no replica holds the agent now.
                .onFailure(DeviceCommands.DeviceOffline.class)
                .transform(e -> AgentOwners.notConnected("disconnected"))
                .map(answer -> Response.status(answer.getStatus())
                        .type(answer.getContentType().isEmpty() ? "application/json" : answer.getContentType())
                        .entity(
                                answer.getStatus() == 200
                                        ? ListeningPortFilter.filter(
                                                json, answer.getBody().toByteArray())
                                        : answer.getBody().toByteArray())
                        .build());
    }

    private Map<String, Object> agent(JsonNode device, JsonNode target, Map<String, String> health) {
        String uuid = device.path("uuid").asText();
        JsonNode reported = device.path("reported_state");
        String firstSeen = text(device.path("first_seen"));
        String lastSeen = text(device.path("last_seen"));
        boolean online = device.path("online").asBoolean(false);
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("apps", AgentSelfResource.apps(json, target, health));
        agent.put("architecture", reported.path("architecture").asText(""));
        agent.put("connection_timeout_seconds", AgentOwners.CONNECTION_TIMEOUT.toSeconds());
        agent.put("created_at", device.path("created_at").asText());
        agent.put("directory", "");
        agent.put("disconnected_at", online ? null : lastSeen);
        agent.put("environment_variables", json.convertValue(target.path("environment"), Map.class));
        agent.put("first_connected_at", firstSeen);
        agent.put("id", AgentIds.dashed(uuid));
        agent.put(
                "instance_id", device.path("cloud_identity").path("instance_id").asText(""));
        agent.put("last_connected_at", lastSeen);
        agent.put("latency", Map.of());
        agent.put("lifecycle_state", reported.path("lifecycle_state").asText("created"));
        agent.put("login_before_ready", true);
        agent.put("name", device.path("name").asText());
        agent.put("operating_system", reported.path("operating_system").asText(""));
        agent.put("resource_id", AgentIds.dashed(uuid));
        agent.put("startup_script", "");
        agent.put("startup_script_timeout_seconds", 0);
        agent.put("status", AgentOwners.status(device));
        agent.put("troubleshooting_url", "");
        agent.put(
                "updated_at",
                lastSeen != null ? lastSeen : device.path("created_at").asText());
        agent.put("version", reported.path("agent_version").asText(""));
        return agent;
    }

    private static String text(JsonNode node) {
        return node.isNull() || node.isMissingNode() ? null : node.asText();
    }

    private JsonNode read(String body) {
        try {
            return json.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException("the registry's answer is not JSON", e);
        }
    }
}
