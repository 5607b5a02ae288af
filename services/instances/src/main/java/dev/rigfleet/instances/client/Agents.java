package dev.rigfleet.instances.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The instance commands of a device's agent (docs/agent-protocol.md, "Instances"), sent over the device link. A
 * failure says why in its message, which becomes the instance's INIT_FAIL reason.
 */
@ApplicationScoped
public class Agents {

    /** What the agent made: the loopback port of the instance's SSH server and its host keys. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Running(String id, int port, List<String> hostkeys) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Listed(List<Running> instances) {}

    /** The agent refused or could not answer; the message is for the user. */
    public static final class AgentFailure extends RuntimeException {
        AgentFailure(String message) {
            super(message, null, false, false);
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final DeviceCommands commands;
    private final ObjectMapper json;

    public Agents(DeviceCommands commands, ObjectMapper json) {
        this.commands = commands;
        this.json = json;
    }

    /** Has the agent make the instance, on its VPN with the instance's own client configuration when given. */
    public Uni<Running> start(String device, String instanceId, List<String> authorizedKeys, Optional<String> ovpn) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", instanceId);
        body.put("authorized_keys", authorizedKeys);
        ovpn.ifPresent(config -> body.put("vpn", Map.of("ovpn", config)));
        return send(device, "POST", "/rigfleet/v1/instances", body).map(answer -> read(answer, Running.class));
    }

    public Uni<Void> stop(String device, String instanceId) {
        return send(device, "POST", "/rigfleet/v1/instances/stop", Map.of("id", instanceId))
                .replaceWithVoid();
    }

    /** Has the agent apply the chain on the device too (its container runtime does, inside the instance's namespace). */
    public Uni<Void> applyFirewall(String device, String instanceId, List<?> rules) {
        return send(device, "POST", "/rigfleet/v1/instances/firewall", Map.of("id", instanceId, "rules", rules))
                .replaceWithVoid();
    }

    /** The ids of the instances the agent runs now. */
    public Uni<List<String>> list(String device) {
        return send(device, "GET", "/rigfleet/v1/instances", null)
                .map(body -> read(body, Listed.class).instances().stream()
                        .map(Running::id)
                        .toList());
    }

    private Uni<byte[]> send(String device, String method, String path, Object body) {
        CommandRequest.Builder request =
                CommandRequest.newBuilder().setMethod(method).setPath(path).setContentType("application/json");
        try {
            if (body != null) {
                request.setBody(ByteString.copyFrom(json.writeValueAsBytes(body)));
            }
        } catch (IOException e) {
            return Uni.createFrom().failure(e);
        }
        return commands.send(device, request.build(), TIMEOUT)
                .onFailure(e -> !(e instanceof AgentFailure))
                .transform(e -> new AgentFailure("the device's agent could not be reached: " + e.getMessage()))
                .map(response -> answered(response));
    }

    private byte[] answered(CommandResponse response) {
        if (response.getStatus() / 100 != 2) {
            String message = response.getBody().toStringUtf8();
            try {
                message = json.readTree(response.getBody().toByteArray())
                        .path("error_message")
                        .asText(message);
            } catch (IOException notJson) {
                // the body as it came
            }
            throw new AgentFailure("the device's agent answered " + response.getStatus() + ": " + message);
        }
        return response.getBody().toByteArray();
    }

    private <T> T read(byte[] body, Class<T> type) {
        try {
            return json.readValue(body, type);
        } catch (IOException e) {
            throw new AgentFailure("the device's agent answered what this platform cannot read: " + e.getMessage());
        }
    }
}
