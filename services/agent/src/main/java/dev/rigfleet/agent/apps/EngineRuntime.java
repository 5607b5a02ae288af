package dev.rigfleet.agent.apps;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services as containers, through the Docker Engine API on a unix socket (Docker, balenaEngine, or Podman's {@code
 * podman system service}). Each service's container is named after it and labelled with its uuid; its data folder
 * is mounted at {@code /data} (its working directory), its lock directory at {@code /tmp/balena} and {@code
 * /tmp/resin} as balena's supervisor mounts them, and host {@code iofog} names the device. The engine keeps the
 * restart policy. Containers join the configured network ({@code host} by default, where the agent's loopback APIs
 * are reachable; never the engine's default bridge, which changes the host's firewall).
 */
public final class EngineRuntime implements AppRuntime {

    static final String LABEL = "dev.rigfleet.service";

    private final EngineClient engine;
    private final String network;
    /** What each service's container was made from, so that an unchanged service is left running. */
    private final Map<String, String> madeFrom = new ConcurrentHashMap<>();

    public EngineRuntime(Path socket, String network) {
        this.engine = new EngineClient(socket);
        this.network = network;
    }

    @Override
    public String start(ServiceSpec service, Map<String, String> environment, Path dataDir, Path lockDir) {
        if (service.image().isEmpty()) {
            throw new IllegalArgumentException(
                    "service " + service.name() + " names no image: the container runtime runs images");
        }
        String recipe = service + "|" + environment;
        Optional<ServiceStatus> status = status(service.uuid());
        if (status.isPresent() && recipe.equals(madeFrom.get(service.uuid()))) {
            if (!"Running".equals(status.get().status())) {
                expect(engine.call("POST", "/containers/" + status.get().id() + "/start", null), "start");
            }
            return status.get().id();
        }
        status.ifPresent(old -> remove(old.id()));
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> create = new LinkedHashMap<>();
        create.put("Image", service.image());
        if (!service.command().isEmpty()) {
            create.put("Cmd", service.command());
        }
        // Inside the container the lock is where balena's supervisor mounts it, not where it lies on the host.
        Map<String, String> inContainer = new LinkedHashMap<>(environment);
        for (String prefix : new String[] {"RIGFLEET", "BALENA", "RESIN"}) {
            inContainer.put(prefix + "_APP_LOCK_PATH", "/tmp/balena/" + UpdateLocks.LOCK_FILE);
        }
        List<String> env = new ArrayList<>();
        inContainer.forEach((name, value) -> env.add(name + "=" + value));
        create.put("Env", env);
        create.put("WorkingDir", "/data");
        create.put("Labels", Map.of(LABEL, service.uuid()));
        create.put(
                "HostConfig",
                Map.of(
                        "Binds",
                        List.of(dataDir + ":/data", lockDir + ":/tmp/balena", lockDir + ":/tmp/resin"),
                        "NetworkMode",
                        network,
                        "ExtraHosts",
                        List.of("iofog:127.0.0.1"),
                        "RestartPolicy",
                        Map.of("Name", service.restart())));
        EngineClient.Answer created = engine.call(
                "POST",
                "/containers/create?name="
                        + URLEncoder.encode(
                                "rigfleet-" + service.name() + "-"
                                        + service.uuid().substring(0, 8),
                                StandardCharsets.UTF_8),
                create);
        expect(created, "create");
        String id = created.body().path("Id").asText();
        expect(engine.call("POST", "/containers/" + id + "/start", null), "start");
        madeFrom.put(service.uuid(), recipe);
        return id;
    }

    @Override
    public Optional<String> stop(String serviceUuid) {
        return container(serviceUuid).map(container -> {
            String id = container.path("Id").asText();
            EngineClient.Answer stopped = engine.call("POST", "/containers/" + id + "/stop?t=10", null);
            if (stopped.status() != 304) { // 304: it was not running
                expect(stopped, "stop");
            }
            return id;
        });
    }

    @Override
    public Optional<ServiceStatus> status(String serviceUuid) {
        return container(serviceUuid)
                .map(container -> new ServiceStatus(
                        container.path("Id").asText(),
                        statusOf(container.path("State").asText())));
    }

    @Override
    public void stopAll() {
        madeFrom.keySet().forEach(this::stop);
    }

    /**
     * As the ioFog agent prunes: every image that no container (running or not) uses is removed, one by one (Podman's
     * {@code POST /images/prune} takes no {@code dangling=false}). An image a container took meanwhile is refused by
     * the engine ({@code 409}) and stays.
     */
    @Override
    public long prune() {
        EngineClient.Answer containers = engine.call("GET", "/containers/json?all=true", null);
        expect(containers, "list containers");
        Set<String> used = new HashSet<>();
        containers
                .body()
                .forEach(container -> used.add(imageId(container.path("ImageID").asText())));
        EngineClient.Answer images = engine.call("GET", "/images/json", null);
        expect(images, "list images");
        long freed = 0;
        for (JsonNode image : images.body()) {
            String id = imageId(image.path("Id").asText());
            if (id.isEmpty() || used.contains(id)) {
                continue;
            }
            EngineClient.Answer removed = engine.call("DELETE", "/images/" + id, null);
            if (removed.ok()) {
                freed += image.path("Size").asLong(0);
            } else if (removed.status() != 409) {
                expect(removed, "remove image " + id);
            }
        }
        return freed;
    }

    private static String imageId(String id) {
        return id.startsWith("sha256:") ? id.substring("sha256:".length()) : id;
    }

    /** The engine's states, as the supervisor API reports them. */
    private static String statusOf(String state) {
        return switch (state) {
            case "running" -> "Running";
            case "created", "restarting" -> "Starting";
            case "exited", "dead" -> "exited";
            default -> "Stopped";
        };
    }

    private Optional<JsonNode> container(String serviceUuid) {
        String filters =
                URLEncoder.encode("{\"label\":[\"" + LABEL + "=" + serviceUuid + "\"]}", StandardCharsets.UTF_8);
        EngineClient.Answer listed = engine.call("GET", "/containers/json?all=true&filters=" + filters, null);
        expect(listed, "list");
        return listed.body().isArray() && !listed.body().isEmpty()
                ? Optional.of(listed.body().get(0))
                : Optional.empty();
    }

    private void remove(String id) {
        engine.call("DELETE", "/containers/" + id + "?force=true", null);
    }

    private static void expect(EngineClient.Answer answer, String what) {
        if (!answer.ok()) {
            throw new IllegalStateException("the container engine refused to " + what + " (" + answer.status() + "): "
                    + answer.body().path("message").asText(answer.body().toString()));
        }
    }
}
