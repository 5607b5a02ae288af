package dev.rigfleet.agent.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import dev.rigfleet.agent.apps.UpdateLocks;
import dev.rigfleet.agent.device.DeviceStreams;
import dev.rigfleet.agent.host.HostControl;
import dev.rigfleet.agent.link.DeviceLink;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The supervisor API's v1 endpoints on port 48484, as balena's supervisor answers them (the newer spec wins where
 * the two differ). Bodies are read leniently, as the reference reads them: any content type, an empty body is
 * {@code {}}. Every endpoint here needs the key ({@link SupervisorKeyFilter}); they block, so they run on worker
 * threads.
 */
@Path("/v1")
@Consumes(MediaType.WILDCARD)
public class SupervisorV1Resource {

    /** How long after answering a reboot or shutdown the host acts, so that the answer gets out first. */
    private static final long HOST_ACTION_DELAY_MS = 500;

    private static final Duration BLINK = Duration.ofSeconds(15);
    private static final String SINGLE_CONTAINER_ONLY = "Some v1 endpoints are only allowed on single-container apps";

    private final DeviceApps apps;
    private final HostControl host;
    private final SupervisorKey key;
    private final DeviceLink link;
    private final AppUpdates updates;
    private final HostFacts facts;
    private final DeviceStreams streams;
    private final Vertx vertx;

    public SupervisorV1Resource(
            DeviceApps apps,
            HostControl host,
            SupervisorKey key,
            DeviceLink link,
            AppUpdates updates,
            HostFacts facts,
            DeviceStreams streams,
            Vertx vertx) {
        this.apps = apps;
        this.host = host;
        this.key = key;
        this.link = link;
        this.updates = updates;
        this.facts = facts;
        this.streams = streams;
        this.vertx = vertx;
    }

    @POST
    @Path("/blink")
    public Response blink() {
        host.blink(BLINK);
        return Response.ok().build();
    }

    /** Applies the latest target state: 204 when it ran now, 202 when an app's lock holds it back until released. */
    @POST
    @Path("/update")
    public Response update(String raw) {
        boolean force = SupervisorAnswers.force(SupervisorAnswers.body(raw));
        return updates.updateNow(force)
                ? Response.noContent().build()
                : Response.accepted().build();
    }

    /** With the recording host control nothing reboots, so the apps start again as they would after a reboot. */
    @POST
    @Path("/reboot")
    @Produces(MediaType.APPLICATION_JSON)
    public Response reboot(String raw) {
        return hostAction(raw, "reboot", () -> {
            host.reboot();
            if (!host.acts()) {
                vertx.executeBlocking(
                        () -> {
                            apps.startAll();
                            return null;
                        },
                        false);
            }
        });
    }

    @POST
    @Path("/shutdown")
    @Produces(MediaType.APPLICATION_JSON)
    public Response shutdown(String raw) {
        return hostAction(raw, "shutdown", host::shutdown);
    }

    private Response hostAction(String raw, String operation, Runnable action) {
        boolean force = SupervisorAnswers.force(SupervisorAnswers.body(raw));
        try {
            // The apps stop first, under their locks; the host acts once the answer is on its way.
            apps.whileUnlocked(force, operation, apps::stopAll);
        } catch (UpdateLocks.Locked locked) {
            throw SupervisorAnswers.dataError(423, locked.getMessage());
        }
        vertx.setTimer(HOST_ACTION_DELAY_MS, ignored -> action.run());
        return SupervisorAnswers.dataOk(202);
    }

    @POST
    @Path("/purge")
    @Produces(MediaType.APPLICATION_JSON)
    public Response purge(String raw) {
        JsonNode body = SupervisorAnswers.body(raw);
        Long appId = SupervisorAnswers.appId(body.get("appId"));
        if (appId == null) {
            throw SupervisorAnswers.text(400, "Invalid or missing appId");
        }
        requireApp(appId);
        try {
            apps.purge(SupervisorAnswers.force(body));
        } catch (UpdateLocks.Locked locked) {
            throw SupervisorAnswers.dataError(423, locked.getMessage());
        }
        return SupervisorAnswers.dataOk(200);
    }

    @POST
    @Path("/restart")
    @Produces(MediaType.TEXT_PLAIN)
    public String restart(String raw) {
        JsonNode body = SupervisorAnswers.body(raw);
        Long appId = SupervisorAnswers.appId(body.get("appId"));
        if (appId == null) {
            throw SupervisorAnswers.text(400, "Missing app id");
        }
        requireApp(appId);
        try {
            apps.restart(SupervisorAnswers.force(body));
        } catch (UpdateLocks.Locked locked) {
            throw SupervisorAnswers.failed(423, locked.getMessage());
        }
        return "OK";
    }

    /**
     * The old key stops working at once; the apps are restarted with the new one after the answer (under their locks,
     * as the reference recreates its containers for a changed environment).
     */
    @POST
    @Path("/regenerate-api-key")
    @Produces(MediaType.TEXT_PLAIN)
    public String regenerateApiKey() {
        String fresh = key.regenerate();
        vertx.executeBlocking(
                        () -> {
                            apps.restartForNewKey();
                            return null;
                        },
                        false)
                .onFailure(e -> Log.warnf("Could not restart the apps with the new key: %s", e.getMessage()));
        return fresh;
    }

    @GET
    @Path("/device")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> device() {
        DeviceApps.Current current = apps.current();
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("api_port", facts.apiPort());
        device.put("ip_address", facts.ipAddresses());
        device.put("commit", current.commit());
        device.put("status", apps.updatePending() ? "Downloaded" : "Idle");
        // Local processes need no download: nothing is ever part-way.
        device.put("download_progress", null);
        device.put("os_version", facts.osVersion());
        device.put("supervisor_version", HostFacts.SUPERVISOR_VERSION);
        device.put("update_pending", apps.updatePending());
        device.put("update_downloaded", apps.updatePending());
        device.put("update_failed", apps.updateFailed());
        return device;
    }

    @POST
    @Path("/apps/{appId}/stop")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> stop(@PathParam("appId") String appId, String raw) {
        ServiceSpec service = singleService(appId);
        try {
            String id = apps.stop(service, SupervisorAnswers.force(SupervisorAnswers.body(raw)))
                    .orElse("");
            return Map.of("containerId", id);
        } catch (UpdateLocks.Locked locked) {
            throw SupervisorAnswers.failed(423, locked.getMessage());
        }
    }

    @POST
    @Path("/apps/{appId}/start")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> start(@PathParam("appId") String appId, String raw) {
        ServiceSpec service = singleService(appId);
        SupervisorAnswers.body(raw); // still 400 when not an object; force has nothing to override here
        try {
            return Map.of("containerId", apps.start(service));
        } catch (UpdateLocks.Locked locked) {
            throw SupervisorAnswers.failed(423, locked.getMessage());
        }
    }

    @GET
    @Path("/apps/{appId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> app(@PathParam("appId") String appId) {
        ServiceSpec service = singleService(appId);
        DeviceApps.Current current = apps.current();
        Map<String, Object> app = new LinkedHashMap<>();
        app.put("appId", current.appId());
        app.put("commit", current.commit());
        app.put("releaseId", current.releaseId());
        app.put("imageId", service.image().isEmpty() ? String.join(" ", service.command()) : service.image());
        app.put("containerId", apps.status(service).map(s -> s.id()).orElse(""));
        app.put("env", service.environment());
        return app;
    }

    @GET
    @Path("/healthy")
    public Response healthy() {
        return updates.healthy()
                ? Response.ok().build()
                : Response.serverError().build();
    }

    @POST
    @Path("/tcp-ping")
    public Response enableTcpPing() {
        facts.tcpPing(true);
        return Response.noContent().build();
    }

    @DELETE
    @Path("/tcp-ping")
    public Response disableTcpPing() {
        facts.tcpPing(false);
        return Response.noContent().build();
    }

    /** The platform's terminal for this device: where a client opens it (the owner's token needed there). */
    @POST
    @Path("/spawn-tty")
    @Produces(MediaType.TEXT_PLAIN)
    public String spawnTty(String raw) {
        Long appId = SupervisorAnswers.appId(SupervisorAnswers.body(raw).get("appId"));
        if (appId == null) {
            throw SupervisorAnswers.text(400, "Missing app id");
        }
        requireApp(appId);
        if (link.identity().isEmpty() || link.servers().isEmpty()) {
            throw SupervisorAnswers.failed(503, "this agent has no connection to the platform");
        }
        String server = link.servers().get(0).toString().replaceFirst("/+$", "").replaceFirst("^http", "ws");
        return server + "/api/v2/workspaceagents/" + link.identity().get().uuid() + "/pty";
    }

    @POST
    @Path("/despawn-tty")
    public Response despawnTty(String raw) {
        Long appId = SupervisorAnswers.appId(SupervisorAnswers.body(raw).get("appId"));
        if (appId == null) {
            throw SupervisorAnswers.text(400, "Missing app id");
        }
        requireApp(appId);
        // As the reference stops the app's terminal server: every terminal session on the device ends.
        streams.endTerminals();
        return Response.ok().build();
    }

    private void requireApp(long appId) {
        if (apps.current().appId() != appId) {
            throw SupervisorAnswers.failed(404, "Application with ID " + appId + " is not running on this device");
        }
    }

    private ServiceSpec singleService(String appIdParameter) {
        Long appId = SupervisorAnswers.appId(appIdParameter);
        if (appId == null) {
            throw SupervisorAnswers.failed(400, "Invalid or missing appId");
        }
        requireApp(appId);
        List<ServiceSpec> services = apps.current().services();
        if (services.size() != 1) {
            throw SupervisorAnswers.text(400, SINGLE_CONTAINER_ONLY);
        }
        return services.get(0);
    }
}
