package dev.rigfleet.agent.apps;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One service of the device's target release, as the target state names it: what to run, with which environment and
 * restart policy. The registry has already merged the fleet's and device's variables into {@code environment}.
 * {@code config} (a JSON object, as text) and {@code routes} (names of the services its messages go to) are what
 * the ioFog-style API serves it.
 */
public record ServiceSpec(
        String uuid,
        String name,
        long appId,
        long releaseId,
        String commit,
        String image,
        List<String> command,
        Map<String, String> environment,
        String restart,
        String config,
        List<String> routes) {

    /** The services of a target state (the registry's JSON); none when it names no release. */
    public static List<ServiceSpec> of(JsonNode targetState) {
        List<ServiceSpec> services = new ArrayList<>();
        JsonNode release = targetState.path("release");
        for (JsonNode service : release.path("services")) {
            List<String> command = new ArrayList<>();
            service.path("command").forEach(part -> command.add(part.asText()));
            services.add(new ServiceSpec(
                    service.path("uuid").asText(),
                    service.path("name").asText(),
                    targetState.path("appId").asLong(),
                    release.path("releaseId").asLong(),
                    release.path("commit").asText(""),
                    service.path("image").asText(""),
                    List.copyOf(command),
                    strings(service.path("environment")),
                    service.path("restart").asText("always"),
                    service.path("config").isObject() ? service.path("config").toString() : "{}",
                    routes(service.path("routes"))));
        }
        return services;
    }

    private static List<String> routes(JsonNode names) {
        List<String> routes = new ArrayList<>();
        names.forEach(name -> routes.add(name.asText()));
        return List.copyOf(routes);
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> values = new LinkedHashMap<>();
        object.fields()
                .forEachRemaining(
                        field -> values.put(field.getKey(), field.getValue().asText()));
        return Map.copyOf(values);
    }
}
