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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The v2 endpoints the agent serves: the applications' state, one application's state, the state status, and a
 * target state set on
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

    /**
     * Keyed by app (fleet) name, as balena-supervisor v19 answers: {@code appId}, {@code appUuid} (rigfleet's fleets
     * have none: null), {@code commit}, {@code updateStatus}, and each service's {@code status}, {@code image}, {@code
     * downloadProgress} and {@code releaseId}, by service name.
     */
    @GET
    @Path("/applications/state")
    public Map<String, Object> applications() {
        DeviceApps.Current current = apps.current();
        Map<String, Object> state = new LinkedHashMap<>();
        if (current.appId() != 0) {
            Map<String, Object> services = new LinkedHashMap<>();
            for (ServiceSpec service : current.services()) {
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("status", status(service).status());
                view.put("image", image(service));
                view.put("downloadProgress", null);
                view.put("releaseId", current.releaseId());
                services.put(service.name(), view);
            }
            Map<String, Object> app = new LinkedHashMap<>();
            app.put("appId", current.appId());
            app.put("appUuid", null);
            app.put("commit", current.commit());
            app.put("updateStatus", apps.updatePending() ? "applying changes" : "done");
            app.put("services", services);
            state.put(current.appName().isEmpty() ? Long.toString(current.appId()) : current.appName(), app);
        }
        return state;
    }

    /**
     * One application in the reference's legacy shape: {@code commit}, and its services under {@code local.<appId>},
     * keyed by image id — the service's uuid here, since rigfleet numbers no images — each with {@code status},
     * {@code releaseId} and {@code download_progress}.
     */
    @GET
    @Path("/applications/{appId}/state")
    public Map<String, Object> application(@PathParam("appId") String appIdParameter) {
        Long appId = SupervisorAnswers.appId(appIdParameter);
        if (appId == null || appId == 0) {
            throw SupervisorAnswers.failed(400, "Invalid application ID: " + appIdParameter);
        }
        DeviceApps.Current current = apps.current();
        if (appId != current.appId()) {
            throw SupervisorAnswers.failed(409, "Application ID does not exist: " + appIdParameter);
        }
        Map<String, Object> services = new LinkedHashMap<>();
        for (ServiceSpec service : current.services()) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("status", status(service).status());
            view.put("releaseId", current.releaseId());
            view.put("download_progress", null);
            services.put(service.uuid(), view);
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("commit", current.commit());
        state.put("local", Map.of(Long.toString(appId), Map.of("services", services)));
        return state;
    }

    /**
     * The device's apps as the reference's {@code GET /v2/state/status} (which NebraLtd/hm-diag reads): whether an
     * update is being applied, the containers and images of the app, and its release. Nothing here downloads, so
     * every download progress is null; service and image ids are the service's uuid, and {@code createdAt} is null
     * (the runtimes keep no creation time).
     */
    @GET
    @Path("/state/status")
    public Map<String, Object> stateStatus() {
        DeviceApps.Current current = apps.current();
        List<Map<String, Object>> containers = new ArrayList<>();
        List<Map<String, Object>> images = new ArrayList<>();
        for (ServiceSpec service : current.services()) {
            ServiceStatus status = status(service);
            Map<String, Object> container = new LinkedHashMap<>();
            container.put("status", status.status());
            container.put("serviceName", service.name());
            container.put("appId", current.appId());
            container.put("imageId", service.uuid());
            container.put("serviceId", service.uuid());
            container.put("containerId", status.id());
            container.put("createdAt", null);
            containers.add(container);
            Map<String, Object> image = new LinkedHashMap<>();
            image.put("name", image(service));
            image.put("appId", current.appId());
            image.put("serviceName", service.name());
            image.put("imageId", service.uuid());
            image.put("dockerImageId", service.image().isEmpty() ? null : service.image());
            image.put("status", "Downloaded");
            image.put("downloadProgress", null);
            images.add(image);
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("status", "success");
        state.put("appState", apps.updatePending() ? "applying" : "applied");
        state.put("overallDownloadProgress", null);
        state.put("containers", containers);
        state.put("images", images);
        state.put("release", current.commit().isEmpty() ? null : current.commit());
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

    private ServiceStatus status(ServiceSpec service) {
        return apps.status(service).orElse(new ServiceStatus("", "Stopped"));
    }

    /** The service's image, or for a local process its command. */
    private static String image(ServiceSpec service) {
        return service.image().isEmpty() ? String.join(" ", service.command()) : service.image();
    }
}
