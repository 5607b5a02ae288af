package dev.rigfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API client against a real HTTP server on loopback that answers as the platform does. */
class ApiTest {

    private HttpServer server;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<Instant> arrivals = new CopyOnWriteArrayList<>();
    private final AtomicInteger limited = new AtomicInteger();

    @BeforeEach
    void aPlatform() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fleets", exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            arrivals.add(Instant.now());
            if (limited.getAndDecrement() > 0) {
                long reset = Instant.now().plusSeconds(1).getEpochSecond();
                exchange.getResponseHeaders().add("X-RateLimit-Reset", Long.toString(reset));
                answer(exchange, 429, "{\"error_message\": \"rate limited\", \"error\": \"rate_limited\"}");
            } else {
                answer(exchange, 200, "{\"fleets\": [], \"page_count\": 1}");
            }
        });
        server.createContext(
                "/devices",
                exchange -> answer(
                        exchange,
                        404,
                        "{\"error_message\": \"device not found\", \"error\": \"not_found\", \"status\": 404}"));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aRateLimitIsWaitedOutUntilItsResetSayingSo() {
        limited.set(1);
        StringWriter notices = new StringWriter();

        var answer = api(notices).get("/fleets");

        assertEquals(1, answer.path("page_count").asInt());
        assertEquals(2, arrivals.size(), "sent again after the window");
        assertTrue(
                arrivals.get(1).getEpochSecond() >= arrivals.get(0).getEpochSecond() + 1,
                "not before the reset: " + arrivals);
        assertTrue(notices.toString().startsWith("rigfleet: rate limited; waiting "), notices.toString());
        assertEquals("Bearer t0ken", authorizations.get(0));
    }

    @Test
    void anErrorIsTheApisMessage() {
        Api.Refused refused =
                assertThrows(Api.Refused.class, () -> api(new StringWriter()).get("/devices/x"));
        assertEquals(404, refused.status);
        assertEquals("device not found", refused.getMessage());
    }

    @Test
    void anAnswerWithoutTheErrorBodyIsNamedByItsStatus() {
        Api.Refused refused =
                assertThrows(Api.Refused.class, () -> api(new StringWriter()).get("/nothing"));
        assertEquals(404, refused.status);
        assertEquals("the platform answered 404", refused.getMessage());
    }

    private Api api(StringWriter notices) {
        return new Api(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                Optional.of("t0ken"),
                new PrintWriter(notices),
                Clock.systemUTC());
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
