package dev.rigfleet.agent.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.rigfleet.agent.device.ListeningPorts;
import dev.rigfleet.agent.instances.InstanceCommands;
import dev.rigfleet.agent.rest.PingResource;
import dev.rigfleet.agent.supervisor.AppUpdates;
import dev.rigfleet.agent.supervisor.SupervisorKey;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs the platform's commands, routed by kind. The protocol's {@code CommandRequest} names no kind, only a method
 * and a path, so the path says it:
 *
 * <ul>
 *   <li>under {@value #NATIVE_PREFIX}: the agent's own commands, answered here and never on port 48484 (an app on
 *       the device cannot call them);
 *   <li>{@code GET /ping} and {@code GET /v1/healthy}: answered here, as the supervisor API answers them, without
 *       the loopback HTTP call (a health check is the commonest command; {@code CommandDispatcherTest} runs both
 *       paths and finds the same answers);
 *   <li>anything else: supervisor pass-through, run against the agent's own supervisor API on 127.0.0.1, with its
 *       key, exactly as an application on the device would call it: one implementation of every endpoint, with
 *       the key filter, content negotiation and error mapping of the API.
 * </ul>
 */
@ApplicationScoped
public class CommandDispatcher {

    /** The path prefix of the agent's native commands. */
    public static final String NATIVE_PREFIX = "/rigfleet/";

    private static final String JSON_TYPE = "application/json;charset=UTF-8";
    private static final String TEXT_TYPE = "text/plain;charset=UTF-8";
    /** Coder's agent lists no port below this (the echo, discard and other ancient services). */
    private static final int MIN_LISTED_PORT = 9;

    private static final long OWN_PID = ProcessHandle.current().pid();

    private final Vertx vertx;
    private final SupervisorKey key;
    private final AppUpdates updates;
    private final int localPort;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final ListeningPorts ports = new ListeningPorts(Path.of("/proc"));
    /** Native commands by path, then by method. */
    private final Map<String, Map<String, Function<CommandRequest, Future<CommandResponse>>>> natives =
            new LinkedHashMap<>();

    public CommandDispatcher(
            Vertx vertx,
            SupervisorKey key,
            AppUpdates updates,
            InstanceCommands instances,
            @ConfigProperty(name = "quarkus.http.port") int localPort) {
        this.vertx = vertx;
        this.key = key;
        this.updates = updates;
        this.localPort = localPort;
        this.http = vertx.createHttpClient();
        natives.put("/rigfleet/v1/listening-ports", Map.of("GET", request -> listeningPorts()));
        natives.put(
                "/rigfleet/v1/instances",
                Map.of(
                        "GET", request -> answer(instances.list()),
                        "POST",
                                request ->
                                        answer(instances.start(request.getBody().toByteArray()))));
        natives.put(
                "/rigfleet/v1/instances/stop",
                Map.of(
                        "POST",
                        request -> answer(instances.stop(request.getBody().toByteArray()))));
    }

    public Future<CommandResponse> dispatch(CommandRequest request) {
        String path = request.getPath();
        int query = path.indexOf('?');
        String route = query < 0 ? path : path.substring(0, query);
        if (route.startsWith(NATIVE_PREFIX)) {
            return runNative(route, request);
        }
        CommandResponse inProcess = "GET".equals(method(request)) ? answeredHere(path) : null;
        return inProcess != null ? Future.succeededFuture(inProcess) : passThrough(request);
    }

    /** The supervisor API's answer to the few calls it answers without reading anything but its own state. */
    private CommandResponse answeredHere(String path) {
        return switch (path) {
            case "/ping" ->
                CommandResponse.newBuilder()
                        .setStatus(200)
                        .setContentType(TEXT_TYPE)
                        .setBody(ByteString.copyFromUtf8(PingResource.ANSWER))
                        .build();
            case "/v1/healthy" ->
                CommandResponse.newBuilder()
                        .setStatus(updates.healthy() ? 200 : 500)
                        .build();
            default -> null;
        };
    }

    private Future<CommandResponse> runNative(String route, CommandRequest request) {
        Map<String, Function<CommandRequest, Future<CommandResponse>>> methods = natives.get(route);
        if (methods == null) {
            return Future.succeededFuture(error(404, "no native command " + route));
        }
        Function<CommandRequest, Future<CommandResponse>> command = methods.get(method(request));
        return command == null
                ? Future.succeededFuture(error(405, method(request) + " is not a method of " + route))
                : command.apply(request);
    }

    /**
     * {@code {"ports":[{"network":"tcp","port":8000,"process_name":"python3"}, …]}}: what listens on the device, less
     * what Coder's agent leaves out: ports below 9 and the agent's own (its APIs, and the local runtime's instance
     * logins, which are reached through the platform).
     */
    private Future<CommandResponse> listeningPorts() {
        return vertx.executeBlocking(
                () -> {
                    List<Map<String, Object>> listed = ports.list().stream()
                            .filter(port -> port.port() >= MIN_LISTED_PORT && port.pid() != OWN_PID)
                            .map(port -> {
                                Map<String, Object> view = new LinkedHashMap<>();
                                view.put("network", port.network());
                                view.put("port", port.port());
                                view.put("process_name", port.processName());
                                return view;
                            })
                            .toList();
                    return CommandResponse.newBuilder()
                            .setStatus(200)
                            .setContentType(JSON_TYPE)
                            .setBody(ByteString.copyFrom(json.writeValueAsBytes(Map.of("ports", listed))))
                            .build();
                },
                false);
    }

    private Future<CommandResponse> answer(Future<InstanceCommands.Answer> answered) {
        return answered.map(answer -> {
            try {
                return CommandResponse.newBuilder()
                        .setStatus(answer.status())
                        .setContentType(JSON_TYPE)
                        .setBody(ByteString.copyFrom(json.writeValueAsBytes(answer.body())))
                        .build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The call through the supervisor API on loopback; the contract test compares it with {@link #dispatch}. */
    Future<CommandResponse> passThrough(CommandRequest request) {
        RequestOptions local = new RequestOptions()
                .setMethod(HttpMethod.valueOf(method(request)))
                .setHost("127.0.0.1")
                .setPort(localPort)
                .setURI(request.getPath());
        if (!request.getContentType().isEmpty()) {
            local.putHeader("Content-Type", request.getContentType());
        }
        // The platform's commands are the agent's own calls: they carry its key, callers never need it.
        local.putHeader("Authorization", "Bearer " + key.current());
        local.putHeader(
                "X-Request-Id", request.getRequestId().isEmpty() ? request.getCommandId() : request.getRequestId());
        return http.request(local)
                .compose(call -> call.send(Buffer.buffer(request.getBody().toByteArray())))
                .compose(response -> response.body()
                        .map(bytes -> CommandResponse.newBuilder()
                                .setStatus(response.statusCode())
                                .setContentType(Optional.ofNullable(response.getHeader("Content-Type"))
                                        .orElse(""))
                                .setBody(ByteString.copyFrom(bytes.getBytes()))
                                .build()));
    }

    private static String method(CommandRequest request) {
        return request.getMethod().isEmpty() ? "POST" : request.getMethod();
    }

    private CommandResponse error(int status, String message) {
        try {
            return CommandResponse.newBuilder()
                    .setStatus(status)
                    .setContentType("application/json")
                    .setBody(ByteString.copyFrom(json.writeValueAsBytes(Map.of("error_message", message))))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
