package dev.rigfleet.common.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Stands in for the workspaces service's {@code GET /internal/revocations} in tests of one other service. The real
 * owner and the real path between services are tested in e2e. Like the owner, it wants a service token.
 */
public final class RevocationOwnerStub {

    private static final Map<String, Long> REVOKED = new ConcurrentHashMap<>();
    private static HttpServer server;

    private RevocationOwnerStub() {}

    public static synchronized String start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/internal/revocations", exchange -> {
                if (ServiceCallers.of(exchange.getRequestHeaders().getFirst("Authorization"))
                        .isEmpty()) {
                    exchange.sendResponseHeaders(401, -1);
                    exchange.close();
                    return;
                }
                byte[] body = json().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public static void revoke(String sha256, long expiresAtEpochSeconds) {
        REVOKED.put(sha256, expiresAtEpochSeconds);
    }

    private static String json() {
        return REVOKED.entrySet().stream()
                .map(e -> "{\"sha256\":\"" + e.getKey() + "\",\"expires_at\":" + e.getValue() + "}")
                .collect(Collectors.joining(",", "{\"revoked\":[", "]}"));
    }
}
