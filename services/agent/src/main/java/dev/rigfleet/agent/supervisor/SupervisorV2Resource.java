package dev.rigfleet.agent.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rigfleet.agent.apps.AppRuntime.ServiceStatus;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The v2 endpoints the agent serves: the applications' state, one application's state, and a target state set on
 * the device itself (for development without the platform; the platform's next target state replaces it).
 */
@Path("/v2")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
public class SupervisorV2Resource {

    private final DeviceApps apps;
    private final AppUpdates updates;

    public SupervisorV2Resource(DeviceApps apps, AppUpdates updates) {
        this.apps = apps;
        this.updates = updates;
    }

    /** Keyed by app name: {@code appId}, {@code commit}, and each service's status, release and download. */
    @GET
    @Path("/applications/state")
    public Map<String, Object> applications() {
        DeviceApps.Current current = apps.current();
        Map<String, Object> state = new LinkedHashMap<>();
        if (current.appId() != 0) {
            Map<String, Object> app = new LinkedHashMap<>();
            app.put("appId", current.appId());
            app.put("commit", current.commit());
            app.put("services", services(current));
            state.put(current.appName().isEmpty() ? Long.toString(current.appId()) : current.appName(), app);
        }
        return state;
    }

    /** One application, as balena's: its services under {@code local}, no dependent devices, and the commit. */
    @GET
    @Path("/applications/{appId}/state")
    public Map<String, Object> application(@PathParam("appId") String appIdParameter) {
        Long appId = SupervisorAnswers.appId(appIdParameter);
        DeviceApps.Current current = apps.current();
        if (appId == null || appId != current.appId() || current.appId() == 0) {
            throw SupervisorAnswers.failed(409, "Application ID does not exist: " + appIdParameter);
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("local", Map.of(Long.toString(appId), Map.of("services", services(current))));
        state.put("dependent", Map.of());
        state.put("commit", current.commit());
        return state;
    }

    /**
     * Sets the device's apps locally. The body is a target state in the registry's shape ({@code appId}, {@code
     * fleet}, {@code release} with {@code releaseId}, {@code commit} and {@code services}); see docs/agent.md.
     */
    @POST
    @Path("/local/target-state")
    public Map<String, String> localTargetState(String raw) {
        JsonNode target = SupervisorAnswers.body(raw);
        if (SupervisorAnswers.appId(target.get("appId")) == null
                || !target.path("release").path("services").isArray()) {
            throw SupervisorAnswers.failed(400, "a target state names its appId and release.services");
        }
        for (JsonNode service : target.path("release").path("services")) {
            if (!service.path("uuid").isTextual()
                    || !service.path("name").isTextual()
                    || !service.path("command").isArray()
                    || service.path("command").isEmpty()) {
                throw SupervisorAnswers.failed(
                        400, "every service names its uuid, name and command (a non-empty list of strings)");
            }
        }
        boolean applied = updates.offer(target, SupervisorAnswers.force(target));
        return Map.of("status", "success", "message", applied ? "OK" : "held back by an app's update lock");
    }

    private Map<String, Object> services(DeviceApps.Current current) {
        Map<String, Object> services = new LinkedHashMap<>();
        for (ServiceSpec service : current.services()) {
            ServiceStatus status = apps.status(service).orElse(new ServiceStatus("", "Stopped"));
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("status", status.status());
            view.put("releaseId", current.releaseId());
            view.put("downloadProgress", null);
            services.put(service.name(), view);
        }
        return services;
    }
}
