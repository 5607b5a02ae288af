package dev.rigfleet.agent.supervisor;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.apps.AppRuntime.ServiceStatus;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import dev.rigfleet.agent.link.DeviceLink;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tells the platform what the device runs: a state report (its {@code reported_state}) whenever it differs from the
 * last one, looked at every few seconds. App health comes with it, by service uuid, as the coordinator's app-health
 * route takes it: a running service is {@code healthy}, one that exited {@code unhealthy}, one not started yet
 * {@code initializing}.
 */
@ApplicationScoped
public class StateReports {

    static final long CHECK_EVERY_MS = 5000;
    private static final String AGENT_VERSION = "rigfleet-agent/0.1";

    private final DeviceApps apps;
    private final DeviceLink link;
    private final HostFacts facts;
    private final Vertx vertx;
    private final ObjectMapper json = new ObjectMapper();
    private volatile String lastReported = "";
    private long checks = -1;

    public StateReports(DeviceApps apps, DeviceLink link, HostFacts facts, Vertx vertx) {
        this.apps = apps;
        this.link = link;
        this.facts = facts;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent started) {
        checks = vertx.setPeriodic(CHECK_EVERY_MS, ignored -> reportIfChanged());
    }

    /** The Vert.x instance may outlive the application (Quarkus keeps it between test applications). */
    void stop(@Observes ShutdownEvent stopping) {
        vertx.cancelTimer(checks);
    }

    /** Sends the device's state if it changed since the last report (and there is a link to send it over). */
    public void reportIfChanged() {
        if (!link.dialling()) {
            return;
        }
        String state = state();
        if (!state.equals(lastReported) && link.report(state)) {
            lastReported = state;
        }
    }

    String state() {
        DeviceApps.Current current = apps.current();
        Map<String, Object> services = new LinkedHashMap<>();
        Map<String, String> health = new LinkedHashMap<>();
        for (ServiceSpec service : current.services()) {
            ServiceStatus status = apps.status(service).orElse(new ServiceStatus("", "Installing"));
            services.put(service.name(), Map.of("status", status.status(), "releaseId", current.releaseId()));
            health.put(
                    service.uuid(),
                    switch (status.status()) {
                        case "Running" -> "healthy";
                        case "exited" -> "unhealthy";
                        default -> "initializing";
                    });
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("status", apps.updatePending() ? "Downloaded" : "Idle");
        state.put("commit", current.commit());
        state.put("release_id", current.releaseId());
        state.put("services", services);
        state.put("app_health", health);
        state.put("update_pending", apps.updatePending());
        state.put("update_failed", apps.updateFailed());
        state.put("lifecycle_state", "ready");
        state.put("agent_version", AGENT_VERSION);
        state.put("supervisor_version", HostFacts.SUPERVISOR_VERSION);
        state.put("operating_system", System.getProperty("os.name").toLowerCase());
        state.put("architecture", System.getProperty("os.arch"));
        state.put("os_version", facts.osVersion());
        state.put("ip_address", facts.ipAddresses());
        try {
            return json.writeValueAsString(state);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
