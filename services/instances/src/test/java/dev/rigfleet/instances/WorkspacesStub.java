package dev.rigfleet.instances;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rigfleet.common.testing.ServiceCallers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Stands in for the workspaces service's allocation routes and {@code GET /deployment/:id} in the instances
 * service's tests: each test says how allocations are answered; every holding's deployment runs on {@link
 * AgentDouble#DEVICE}; the stub records what it was asked. The real
 * service is asked in e2e. Like it, it wants the instances service's token on its internal routes.
 */
public class WorkspacesStub implements QuarkusTestResourceLifecycleManager {

    /** An answer: status and JSON body. */
    public record Answer(int status, String body) {}

    public static final List<JsonObject> ALLOCATIONS = new CopyOnWriteArrayList<>();
    public static final List<String> RELEASED = new CopyOnWriteArrayList<>();
    public static final Set<String> ENDED = ConcurrentHashMap.newKeySet();
    /** Holding id → what its release flagged the deployment with for its owner. */
    public static final Map<String, String> ATTENTION = new ConcurrentHashMap<>();
    /** The instance-status callbacks owed, in order. */
    public static final List<JsonObject> CALLBACKS = new CopyOnWriteArrayList<>();
    /** Deployment id → owner id. */
    public static final Map<String, String> OWNERS = new ConcurrentHashMap<>();

    private static volatile Function<JsonObject, Answer> allocations = ask -> allocated(UUID.randomUUID());
    private HttpServer server;

    public static void answerAllocations(Function<JsonObject, Answer> answer) {
        allocations = answer;
    }

    public static Answer allocated(UUID deployment) {
        return new Answer(
                200,
                new JsonObject()
                        .put("outcome", "allocated")
                        .put("id", UUID.randomUUID().toString())
                        .put("deployment", deployment.toString())
                        .put("lease_expires", "2026-12-01T00:00:00Z")
                        .encode());
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/internal/", exchange -> {
            if (!ServiceCallers.of(exchange.getRequestHeaders().getFirst("Authorization"))
                    .map("instances"::equals)
                    .orElse(false)) {
                answer(exchange, new Answer(401, "{\"error_message\":\"not the instances service\"}"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (path.equals("/internal/allocations")) {
                JsonObject ask = new JsonObject(body);
                ALLOCATIONS.add(ask);
                answer(exchange, allocations.apply(ask));
            } else if (path.equals("/internal/notifications")) {
                CALLBACKS.add(new JsonObject(body));
                answer(exchange, new Answer(200, "{\"owed\":true}"));
            } else if (path.matches("/internal/holdings/[^/]+")
                    && exchange.getRequestMethod().equals("GET")) {
                String id = path.split("/")[3];
                answer(
                        exchange,
                        new Answer(
                                200,
                                new JsonObject()
                                        .put("id", id)
                                        .put("deployment", UUID.randomUUID().toString())
                                        .put("host", AgentDouble.DEVICE)
                                        .put("lease_expires", "2026-12-01T00:00:00Z")
                                        .encode()));
            } else if (path.endsWith("/renew")) {
                String id = path.split("/")[3];
                answer(
                        exchange,
                        ENDED.contains(id)
                                ? new Answer(404, "{\"error_message\":\"ended\"}")
                                : new Answer(200, "{\"id\":\"" + id + "\"}"));
            } else if (path.endsWith("/release")) {
                String id = path.split("/")[3];
                RELEASED.add(id);
                ENDED.add(id);
                String attention = body.isBlank() ? null : new JsonObject(body).getString("attention");
                if (attention != null) {
                    ATTENTION.put(id, attention);
                }
                answer(exchange, new Answer(200, "{\"id\":\"" + id + "\",\"released\":true,\"promoted\":null}"));
            } else {
                answer(exchange, new Answer(404, "{\"error_message\":\"no such resource\"}"));
            }
        });
        server.createContext("/deployment/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/deployment/".length());
            JsonObject deployment =
                    new JsonObject().put("id", id).put("type", "kobuki").put("region", "Lab 3");
            String owner = OWNERS.get(id);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (owner != null && authorization != null && claims(authorization).contains("\"sub\":\"" + owner + "\"")) {
                deployment.put("owner", owner);
            }
            answer(exchange, new Answer(200, deployment.encode()));
        });
        server.start();
        return Map.of(
                "quarkus.rest-client.workspaces.url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        server.stop(0);
    }

    private static String claims(String authorization) {
        String[] parts = authorization.substring("Bearer ".length()).split("\\.");
        return parts.length < 2
                ? ""
                : new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace(" ", "");
    }

    private static void answer(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
