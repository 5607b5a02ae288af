package dev.rigfleet.agent.instances;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.instances.InstanceRuntime.InstanceSpec;
import dev.rigfleet.agent.instances.InstanceRuntime.RunningInstance;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The platform's instance commands, native commands of the link (docs/agent-protocol.md, "Instances"):
 *
 * <ul>
 *   <li>{@code POST /rigfleet/v1/instances} {@code {id, authorized_keys, vpn?: {ovpn}}} makes the instance (again:
 *       the same one), on its VPN when {@code vpn} is given, and answers {@code {id, port, hostkeys}};
 *   <li>{@code POST /rigfleet/v1/instances/stop} {@code {id}} ends it: {@code {id, stopped}};
 *   <li>{@code POST /rigfleet/v1/instances/firewall} {@code {id, rules}} applies its chain on the device where the
 *       runtime can: {@code {id, applied}};
 *   <li>{@code GET /rigfleet/v1/instances}: {@code {instances: [...]}}, what this agent runs now — after a restart,
 *       what survived it.
 * </ul>
 */
@ApplicationScoped
public class InstanceCommands {

    /** A command's answer: an HTTP status and a JSON body. */
    public record Answer(int status, Object body) {}

    private final Vertx vertx;
    private final ObjectMapper json = new ObjectMapper();
    private final InstanceRuntime runtime;

    @Inject
    public InstanceCommands(Vertx vertx, AgentConfig config) {
        this(vertx, runtime(config));
    }

    InstanceCommands(Vertx vertx, InstanceRuntime runtime) {
        this.vertx = vertx;
        this.runtime = runtime;
    }

    private static InstanceRuntime runtime(AgentConfig config) {
        switch (config.instanceRuntime()) {
            case "container":
                return new ContainerInstanceRuntime(
                        config.engineSocket(),
                        config.instanceImage()
                                .orElseThrow(
                                        () -> new IllegalStateException(
                                                "rigfleet.agent.instance-runtime=container needs rigfleet.agent.instance-image")),
                        config.stateDir());
            case "local":
                String agentUser = System.getProperty("user.name");
                // An agent running as root never hands root's rights to an instance's user unless told to.
                String sessionUser = config.sessionUser().orElse("root".equals(agentUser) ? "nobody" : agentUser);
                return new LocalInstanceRuntime(agentUser, sessionUser, home(sessionUser));
            default:
                throw new IllegalStateException(
                        "rigfleet.agent.instance-runtime is local or container, not " + config.instanceRuntime());
        }
    }

    /** Where the instance's SSH server listens, if the agent runs it. */
    public Optional<RunningInstance> find(String id) {
        return runtime.find(id);
    }

    public Future<Answer> start(byte[] body) {
        InstanceSpec spec;
        try {
            JsonNode request = json.readTree(body);
            List<String> keys = new ArrayList<>();
            request.path("authorized_keys").forEach(key -> keys.add(key.asText()));
            if (!request.path("id").isTextual() || keys.isEmpty()) {
                return bad("a body {id, authorized_keys: [at least one public key]} is required");
            }
            JsonNode vpn = request.path("vpn");
            if (!vpn.isMissingNode() && !vpn.path("ovpn").isTextual()) {
                return bad("vpn, when given, is {ovpn: the instance's OpenVPN client configuration}");
            }
            spec = new InstanceSpec(
                    request.get("id").asText(),
                    keys,
                    Optional.ofNullable(vpn.path("ovpn").textValue()));
        } catch (IOException e) {
            return bad("the body is not JSON");
        }
        return vertx.executeBlocking(
                () -> {
                    try {
                        return new Answer(200, view(runtime.start(spec)));
                    } catch (IllegalArgumentException e) {
                        return new Answer(400, Map.of("error_message", e.getMessage()));
                    }
                },
                false);
    }

    public Future<Answer> stop(byte[] body) {
        String id;
        try {
            JsonNode request = json.readTree(body);
            if (!request.path("id").isTextual()) {
                return bad("a body {id} is required");
            }
            id = request.get("id").asText();
        } catch (IOException e) {
            return bad("the body is not JSON");
        }
        return vertx.executeBlocking(() -> new Answer(200, Map.of("id", id, "stopped", runtime.stop(id))), false);
    }

    /** {@code {id, rules: [{source, action}]}} → {@code {id, applied}}: applied false where the runtime cannot. */
    public Future<Answer> applyFirewall(byte[] body) {
        String id;
        List<InstanceRuntime.Rule> rules = new ArrayList<>();
        try {
            JsonNode request = json.readTree(body);
            if (!request.path("id").isTextual() || !request.path("rules").isArray()) {
                return bad("a body {id, rules: [{source, action}]} is required");
            }
            id = request.get("id").asText();
            request.get("rules")
                    .forEach(rule -> rules.add(new InstanceRuntime.Rule(
                            rule.path("source").asText(), rule.path("action").asText())));
        } catch (IOException e) {
            return bad("the body is not JSON");
        }
        return vertx.executeBlocking(
                () -> {
                    try {
                        return new Answer(200, Map.of("id", id, "applied", runtime.applyFirewall(id, rules)));
                    } catch (IllegalArgumentException e) {
                        return new Answer(400, Map.of("error_message", e.getMessage()));
                    }
                },
                false);
    }

    public Future<Answer> list() {
        return Future.succeededFuture(new Answer(
                200,
                Map.of(
                        "instances",
                        runtime.list().stream().map(InstanceCommands::view).toList())));
    }

    void stopping(@Observes ShutdownEvent stopping) {
        runtime.agentStopping();
    }

    private static Map<String, Object> view(RunningInstance running) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", running.id());
        view.put("port", running.port());
        view.put("hostkeys", running.hostKeys());
        return view;
    }

    private static Future<Answer> bad(String message) {
        return Future.succeededFuture(new Answer(400, Map.of("error_message", message)));
    }

    /** The user's home directory from /etc/passwd, or / when it has none there. */
    private static String home(String user) {
        try (var lines = Files.lines(Path.of("/etc/passwd"))) {
            return lines.map(line -> line.split(":", -1))
                    .filter(fields -> fields.length >= 7 && fields[0].equals(user))
                    .map(fields -> fields[5])
                    .findFirst()
                    .orElse("/");
        } catch (IOException e) {
            return "/";
        }
    }
}
