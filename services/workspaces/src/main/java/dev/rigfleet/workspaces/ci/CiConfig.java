package dev.rigfleet.workspaces.ci;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What a repository's {@code .rigfleet.yml} asks of its CI job: the hardware (a workspace type or one deployment),
 * how long the job may wait for it and run, the steps' environment, the steps, and where their JUnit results are.
 */
public record CiConfig(
        Optional<String> workspace,
        Optional<UUID> deployment,
        Duration timeout,
        Duration queueTimeout,
        Map<String, String> env,
        List<String> steps,
        List<String> results) {

    public CiConfig {
        if (workspace.isPresent() == deployment.isPresent()) {
            throw new IllegalArgumentException("exactly one of workspace and deployment");
        }
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env)); // Map.copyOf would lose the file's order
        steps = List.copyOf(steps);
        results = List.copyOf(results);
    }

    /**
     * As a JSON-able map, for storing (jsonb) and showing in {@code GET /ci/job/:id}: {@code workspace} or
     * {@code deployment}, {@code timeout_s}, {@code queue_timeout_s}, {@code env}, {@code steps}, {@code results}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        workspace.ifPresent(name -> map.put("workspace", name));
        deployment.ifPresent(id -> map.put("deployment", id.toString()));
        map.put("timeout_s", timeout.toSeconds());
        map.put("queue_timeout_s", queueTimeout.toSeconds());
        map.put("env", env);
        map.put("steps", steps);
        map.put("results", results);
        return map;
    }

    /** The inverse of {@link #toMap()}, for reading back what it stored. */
    @SuppressWarnings("unchecked")
    public static CiConfig fromMap(Map<String, Object> stored) {
        return new CiConfig(
                Optional.ofNullable((String) stored.get("workspace")),
                Optional.ofNullable((String) stored.get("deployment")).map(UUID::fromString),
                Duration.ofSeconds(((Number) stored.get("timeout_s")).longValue()),
                Duration.ofSeconds(((Number) stored.get("queue_timeout_s")).longValue()),
                (Map<String, String>) stored.get("env"),
                (List<String>) stored.get("steps"),
                (List<String>) stored.get("results"));
    }
}
