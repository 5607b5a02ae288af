package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.coordinator.auth.DeviceIdentityProvider;
import dev.rigfleet.coordinator.client.RegistryClient;
import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import dev.rigfleet.coordinator.service.AgentReports;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's own routes of the Coder-style API, {@code /api/v2/workspaceagents/me/...}, authenticated with the
 * device credential or a device session token. An "app" is a service of the device's target release, and its id is the service's uuid.
 */
@Path("/api/v2/workspaceagents/me")
@RolesAllowed(DeviceIdentityProvider.DEVICE_ROLE)
public class AgentSelfResource {

    /** Coder's agent sends Go field names; Go decodes JSON case-insensitively, and so do these. */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record AppHealths(Map<String, String> healths) {}

    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record AgentStats(
            @JsonProperty("conns_by_proto") Map<String, Long> connsByProto,
            @JsonProperty("num_comms") Long numComms,
            @JsonProperty("rx_bytes") Long rxBytes,
            @JsonProperty("rx_packets") Long rxPackets,
            @JsonProperty("tx_bytes") Long txBytes,
            @JsonProperty("tx_packets") Long txPackets) {}

    /** As Coder's: a Go duration, in nanoseconds. */
    public record StatsResponse(
            @JsonProperty("report_interval") long reportInterval) {}

    private final SecurityIdentity identity;
    private final RegistryClient registry;
    private final AgentReports reports;
    private final CoordinatorConfig config;
    private final ObjectMapper json;

    public AgentSelfResource(
            SecurityIdentity identity,
            RegistryClient registry,
            AgentReports reports,
            CoordinatorConfig config,
            ObjectMapper json) {
        this.identity = identity;
        this.registry = registry;
        this.reports = reports;
        this.config = config;
        this.json = json;
    }

    @POST
    @Path("/report-stats")
    public Uni<StatsResponse> reportStats(AgentStats stats) {
        if (stats == null) {
            throw ApiException.badRequest("send the agent's stats as a JSON object");
        }
        reports.keepStats(device().uuid(), write(stats));
        return Uni.createFrom().item(new StatsResponse(config.reportInterval().toNanos()));
    }

    @POST
    @Path("/app-health")
    public Uni<Response> appHealth(AppHealths request) {
        if (request == null || request.healths() == null || request.healths().isEmpty()) {
            throw ApiException.badRequest("healths must name at least one app");
        }
        request.healths().forEach((app, health) -> {
            if (health == null || !AgentReports.HEALTHS.contains(health)) {
                throw ApiException.badRequest(
                        "health of app " + app + " must be one of disabled, initializing, healthy, unhealthy");
            }
        });
        DeviceIdentity device = device();
        return apps(device).chain(apps -> {
            Set<String> unknown = new HashSet<>(request.healths().keySet());
            unknown.removeAll(apps.keySet());
            if (!unknown.isEmpty()) {
                return Uni.createFrom()
                        .failure(ApiException.notFound(
                                "no app " + unknown.iterator().next() + " on this device"));
            }
            // 200 with no body, as the spec answers.
            return reports.storeHealth(device.uuid(), request.healths())
                    .map(stored -> Response.ok().build());
        });
    }

    /** The device owner's SSH key pair for git, made on first use and shared by the owner's devices. */
    @GET
    @Path("/gitsshkey")
    public Uni<Response> gitSshKey() {
        return registry.gitSshKey(device().owner())
                .map(pair -> Response.ok(pair, MediaType.APPLICATION_JSON_TYPE).build());
    }

    /** Git authentication is not configured in rigfleet: 404, as the spec's server answers when it is not. */
    @GET
    @Path("/gitauth")
    public Uni<Map<String, Object>> gitAuth() {
        throw ApiException.notFound("git authentication is not configured");
    }

    /** What the agent should know about its device: its apps and environment, from the target state. */
    @GET
    @Path("/metadata")
    public Uni<Map<String, Object>> metadata() {
        DeviceIdentity device = device();
        return registry.targetState(device.uuid())
                .map(this::read)
                .chain(target -> reports.health(device.uuid()).map(health -> {
                    Map<String, Object> metadata = new LinkedHashMap<>();
                    metadata.put("apps", apps(json, target, health));
                    // rigfleet relays through the coordinator, not DERP: the map is empty.
                    metadata.put("derpmap", Map.of("regions", Map.of()));
                    metadata.put("directory", "");
                    metadata.put("environment_variables", json.convertValue(target.path("environment"), Map.class));
                    metadata.put("git_auth_configs", 0);
                    metadata.put("motd_file", "");
                    metadata.put("startup_script", "");
                    metadata.put("startup_script_timeout", 0);
                    metadata.put("vscode_port_proxy_uri", "");
                    return metadata;
                }));
    }

    /** The device's apps as Coder's {@code WorkspaceApp}s: one per service of the target release. */
    static List<Map<String, Object>> apps(ObjectMapper json, JsonNode target, Map<String, String> health) {
        List<Map<String, Object>> apps = new ArrayList<>();
        for (JsonNode service : target.path("release").path("services")) {
            String id = service.path("uuid").asText();
            JsonNode check = service.path("healthcheck");
            Map<String, Object> app = new LinkedHashMap<>();
            app.put(
                    "command",
                    service.has("command")
                            ? String.join(" ", json.convertValue(service.get("command"), List.class))
                            : "");
            app.put("display_name", service.path("name").asText());
            app.put("external", false);
            app.put("health", health.getOrDefault(id, check.isMissingNode() ? "disabled" : "initializing"));
            app.put(
                    "healthcheck",
                    Map.of(
                            "interval", check.path("interval_seconds").asInt(0),
                            "threshold", check.path("retries").asInt(0),
                            "url", ""));
            app.put("icon", "");
            app.put("id", id);
            app.put("sharing_level", "owner");
            app.put("slug", service.path("name").asText());
            app.put("subdomain", false);
            app.put("url", "");
            apps.add(app);
        }
        return apps;
    }

    /** The device's apps by id. */
    private Uni<Map<String, JsonNode>> apps(DeviceIdentity device) {
        return registry.targetState(device.uuid()).map(this::read).map(target -> {
            Map<String, JsonNode> apps = new LinkedHashMap<>();
            target.path("release")
                    .path("services")
                    .forEach(service -> apps.put(service.path("uuid").asText(), service));
            return apps;
        });
    }

    private DeviceIdentity device() {
        return identity.getAttribute(DeviceIdentityProvider.DEVICE_ATTRIBUTE);
    }

    private JsonNode read(String target) {
        try {
            return json.readTree(target);
        } catch (Exception e) {
            throw new IllegalStateException("the registry's target state is not JSON", e);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
