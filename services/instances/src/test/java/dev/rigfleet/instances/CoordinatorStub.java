package dev.rigfleet.instances;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rigfleet.common.testing.ServiceCallers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the coordinator's {@code /internal/tunnels} in the instances service's tests: opens pretend tunnels
 * (a port number, no listener) and records every firewall chain it was given, in order. The real coordinator, with
 * real tunnels and their firewalls, is asked in e2e. Like it, it wants the instances service's token.
 */
public class CoordinatorStub implements QuarkusTestResourceLifecycleManager {

    /** A tunnel as opened: the device, its port, the chains it was given (the first at the open). */
    public record OpenTunnel(String device, int devicePort, int port, List<JsonArray> chains) {}

    /** The coordinator pod every tunnel here is held by, as a replica in a cluster names itself. */
    public static final String POD = "rf-coordinator-1";

    public static final Map<String, OpenTunnel> OPEN = new ConcurrentHashMap<>();
    public static final List<String> CLOSED = new CopyOnWriteArrayList<>();

    private static final AtomicInteger PORTS = new AtomicInteger(42000);
    private HttpServer server;

    /** The tunnel whose {@code fwd} port is this one. */
    public static Map.Entry<String, OpenTunnel> byPort(int port) {
        return OPEN.entrySet().stream()
                .filter(tunnel -> tunnel.getValue().port() == port)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no tunnel has port " + port));
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/internal/tunnels", exchange -> {
            if (!ServiceCallers.of(exchange.getRequestHeaders().getFirst("Authorization"))
                    .map("instances"::equals)
                    .orElse(false)) {
                answer(exchange, 401, new JsonObject().put("error_message", "not the instances service"));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String[] parts = path.split("/");
            if (method.equals("POST") && parts.length == 3) {
                JsonObject ask = new JsonObject(body);
                String id = UUID.randomUUID().toString();
                OpenTunnel tunnel = new OpenTunnel(
                        ask.getString("device"),
                        ask.getInteger("port"),
                        PORTS.incrementAndGet(),
                        new CopyOnWriteArrayList<>(List.of(ask.getJsonArray("rules"))));
                OPEN.put(id, tunnel);
                answer(exchange, 201, view(id, tunnel, base));
            } else if (parts.length >= 4 && !OPEN.containsKey(parts[3])) {
                answer(exchange, 404, new JsonObject().put("error_message", "no tunnel " + parts[3]));
            } else if (method.equals("PUT") && parts.length == 5 && parts[4].equals("firewall")) {
                OpenTunnel tunnel = OPEN.get(parts[3]);
                tunnel.chains().add(new JsonObject(body).getJsonArray("rules"));
                answer(exchange, 200, view(parts[3], tunnel, base));
            } else if (method.equals("DELETE") && parts.length == 4) {
                OPEN.remove(parts[3]);
                CLOSED.add(parts[3]);
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            } else {
                answer(exchange, 405, new JsonObject().put("error_message", method + " " + path));
            }
        });
        server.start();
        return Map.of("quarkus.rest-client.coordinator.url", base);
    }

    @Override
    public void stop() {
        server.stop(0);
    }

    private static JsonObject view(String id, OpenTunnel tunnel, String base) {
        return new JsonObject()
                .put("id", id)
                .put("device_uuid", tunnel.device())
                .put("device_port", tunnel.devicePort())
                .put("host", "127.0.0.1")
                .put("port", tunnel.port())
                .put("rules", tunnel.chains().get(tunnel.chains().size() - 1))
                .put("url", base + "/internal/tunnels/" + id)
                .put("pod", POD);
    }

    private static void answer(HttpExchange exchange, int status, JsonObject body) throws IOException {
        byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
