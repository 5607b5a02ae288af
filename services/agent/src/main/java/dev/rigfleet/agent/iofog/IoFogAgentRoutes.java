package dev.rigfleet.agent.iofog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.link.DeviceLink;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The ioFog API's agent-management routes: {@code GET /v2/status}, {@code /v2/info}, {@code /v2/version}, {@code
 * POST /v2/provision}, {@code DELETE /v2/deprovision}, {@code POST /v2/config} and {@code POST /v2/prune}. Each
 * needs the raw {@code Authorization} header to equal the key of {@link IoFogKey} (401 otherwise); every value in
 * the answers is a string, as the spec shows.
 */
@ApplicationScoped
public class IoFogAgentRoutes {

    /** The ioFog agent API level these routes follow. */
    static final String VERSION = "3.0.0";

    /** What {@code POST /v2/config} accepts, the spec's option names. */
    static final Set<String> OPTIONS = Set.of(
            "disk-limit",
            "disk-directory",
            "memory-limit",
            "cpu-limit",
            "controller-url",
            "cert-directory",
            "docker-url",
            "network-adapter",
            "logs-limit",
            "logs-directory",
            "logs-count",
            "status-frequency",
            "changes-frequency",
            "diagnostics-frequency",
            "device-scan-frequency",
            "isolated",
            "gps",
            "fog-type",
            "developer-mode",
            "log-level",
            "docker-pruning-frequency",
            "disk-threshold");

    private static final String CONFIG_FILE = "iofog-config.json";

    private final AgentConfig config;
    private final DeviceLink link;
    private final DeviceApps apps;
    private final IoFogMessages messages;
    private final ObjectMapper json = new ObjectMapper();
    private IoFogKey key;

    public IoFogAgentRoutes(AgentConfig config, DeviceLink link, DeviceApps apps, IoFogMessages messages) {
        this.config = config;
        this.link = link;
        this.apps = apps;
        this.messages = messages;
    }

    void install(Router router) {
        key = IoFogKey.load(config.iofogKeyFile());
        router.get("/v2/status").handler(keyed(this::status));
        router.get("/v2/info").handler(keyed(this::info));
        router.get("/v2/version")
                .handler(keyed(request -> IoFogAnswers.json(request, 200, Map.of("version", VERSION))));
        router.post("/v2/provision").handler(keyed(IoFogServer.json(this::provision)));
        router.delete("/v2/deprovision").handler(keyed(this::deprovision));
        router.post("/v2/config").handler(keyed(IoFogServer.json(this::configure)));
        router.post("/v2/prune").handler(keyed(this::prune));
    }

    private Handler<RoutingContext> keyed(Handler<RoutingContext> handler) {
        return request -> {
            if (!key.accepts(request.request().getHeader("Authorization"))) {
                IoFogAnswers.error(request, 401, "wrong or missing Authorization key");
                return;
            }
            handler.handle(request);
        };
    }

    private void status(RoutingContext request) {
        Runtime runtime = Runtime.getRuntime();
        File disk = config.stateDir().toFile();
        Map<String, String> status = new LinkedHashMap<>();
        status.put(
                "running-microservices",
                Integer.toString(apps.current().services().size()));
        status.put(
                "system-total-cpu",
                Double.toString(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        status.put("memory-usage", Long.toString((runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024)));
        status.put("system-available-memory", Long.toString(runtime.maxMemory() / (1024 * 1024)));
        status.put("system-time", Long.toString(System.currentTimeMillis()));
        status.put("disk-usage", Long.toString((disk.getTotalSpace() - disk.getUsableSpace()) / (1024 * 1024)));
        status.put(
                "connection-to-controller", !link.dialling() ? "not provisioned" : link.connected() ? "ok" : "broken");
        status.put("cpu-usage", Integer.toString(runtime.availableProcessors()));
        status.put("messages-processed", Long.toString(messages.processed()));
        status.put("system-available-disk", Long.toString(disk.getUsableSpace() / (1024 * 1024)));
        status.put("iofog-daemon", "RUNNING");
        IoFogAnswers.json(request, 200, status);
    }

    /**
     * Every key of the spec's answer (the reference's {@code iofog-agent info} report), then each option of {@code
     * POST /v2/config} under its own name. The spec spells one key {@code "disk-threshold integer"}; it is served as
     * spelled, and as {@code disk-threshold} among the options.
     */
    private void info(RoutingContext request) {
        JsonNode options = stored();
        String state = config.stateDir().toString();
        Map<String, String> info = new LinkedHashMap<>();
        info.put("iofog-uuid", link.identity().map(identity -> identity.uuid()).orElse(""));
        info.put(
                "iofog-controller",
                link.servers().isEmpty() ? "" : link.servers().get(0).toString());
        info.put("iofog-certificate", config.caFile().map(Path::toString).orElse(""));
        info.put("ip-address", config.iofogHost());
        info.put("network-interface", options.path("network-adapter").asText(""));
        info.put("docker-url", options.path("docker-url").asText(""));
        info.put("disk-usage-limit", options.path("disk-limit").asText(""));
        info.put("message-storage-directory", options.path("disk-directory").asText(state));
        info.put("memory-ram-limit", options.path("memory-limit").asText(""));
        info.put("cpu-usage-limit", options.path("cpu-limit").asText(""));
        info.put("log-disk-limit", options.path("logs-limit").asText(""));
        info.put("log-file-directory", options.path("logs-directory").asText(state));
        info.put("log-rolling-file-count", options.path("logs-count").asText(""));
        info.put("log-level", options.path("log-level").asText("INFO"));
        info.put("status-update-frequency", options.path("status-frequency").asText(""));
        info.put("get-changes-frequency", options.path("changes-frequency").asText(""));
        info.put("scan-devices-frequency", options.path("device-scan-frequency").asText(""));
        info.put(
                "post-diagnostics-frequency",
                options.path("diagnostics-frequency").asText(""));
        info.put("isolated-docker-containers-mode", options.path("isolated").asText("off"));
        info.put("gps-mode", gpsMode(options.path("gps").asText("")));
        info.put(
                "gps-coordinates",
                gpsMode(options.path("gps").asText("")).equals("manual")
                        ? options.path("gps").asText()
                        : "");
        info.put("fog-type", options.path("fog-type").asText("auto"));
        info.put("developer-mode", options.path("developer-mode").asText("off"));
        info.put(
                "docker-pruning-frequency",
                options.path("docker-pruning-frequency").asText(""));
        info.put("disk-threshold integer", options.path("disk-threshold").asText(""));
        for (String option : OPTIONS) {
            info.putIfAbsent(option, options.path(option).asText(""));
        }
        IoFogAnswers.json(request, 200, info);
    }

    /** The {@code gps} option is {@code auto}, {@code off}, or the coordinates themselves (the mode is then manual). */
    private static String gpsMode(String gps) {
        return gps.isEmpty() || gps.equals("auto") ? "auto" : gps.equals("off") ? "off" : "manual";
    }

    /** Enrols this device with the key, unless it has an identity already. */
    private void provision(RoutingContext request, JsonNode body) {
        String provisioningKey = body.path("provisioning-key").asText("");
        if (provisioningKey.isEmpty()) {
            IoFogAnswers.error(request, 400, "provisioning-key is missing");
            return;
        }
        if (link.identity().isPresent()) {
            IoFogAnswers.error(request, 400, "this device is provisioned already; deprovision it first");
            return;
        }
        link.provision(provisioningKey)
                .onSuccess(
                        identity -> IoFogAnswers.json(request, 200, Map.of("status", "okay", "uuid", identity.uuid())))
                .onFailure(e -> IoFogAnswers.error(request, 400, String.valueOf(e.getMessage())));
    }

    /** Forgets the device's identity here and stops dialling; the owner deprovisions it on the platform. */
    private void deprovision(RoutingContext request) {
        link.forget()
                .onSuccess(done -> IoFogAnswers.json(request, 200, Map.of("status", "okay")))
                .onFailure(e -> IoFogAnswers.error(request, 500, String.valueOf(e.getMessage())));
    }

    /** Removes the images no container uses (the container runtime); local processes leave nothing to remove. */
    private void prune(RoutingContext request) {
        request.vertx()
                .executeBlocking(apps::prune, false)
                .onSuccess(freed -> IoFogAnswers.json(request, 200, Map.of("status", "okay")))
                .onFailure(e -> IoFogAnswers.error(request, 500, String.valueOf(e.getMessage())));
    }

    private void configure(RoutingContext request, JsonNode body) {
        ObjectNode options = (ObjectNode) stored();
        var names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!OPTIONS.contains(name)) {
                IoFogAnswers.error(request, 400, "unknown option " + name);
                return;
            }
            if (!body.get(name).isValueNode()) {
                IoFogAnswers.error(request, 400, name + " must be a string");
                return;
            }
        }
        body.fields()
                .forEachRemaining(
                        field -> options.put(field.getKey(), field.getValue().asText()));
        Path file = config.stateDir().resolve(CONFIG_FILE);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json.writeValueAsString(options));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        IoFogAnswers.json(request, 200, Map.of("status", "okay"));
    }

    private JsonNode stored() {
        Path file = config.stateDir().resolve(CONFIG_FILE);
        try {
            return Files.exists(file) ? json.readTree(file.toFile()) : json.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
