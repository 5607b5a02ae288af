package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The entry point as clients meet it: a real nginx from deploy/nginx.conf.template, once in front of the stack's
 * services and once in front of recording stand-ins (which see exactly what nginx passes on). Path tricks get
 * nginx's JSON 400 or 404 and never reach a service, every allow-listed prefix reaches its own service on whole
 * segments only, nginx's own errors are JSON, the access log holds no query string, and a caller's
 * X-Forwarded-For is replaced.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EntryProxyIT {

    /**
     * The public prefixes and their services, as deploy/nginx.conf.template and charts/rigfleet/templates/ingress.yaml
     * list them (ChartTest holds the same list): the three change together.
     */
    private static final Map<String, String> ALLOW_LIST = allowList();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Stack stack = Stack.get();
    private final Map<String, Recorder> recorders = new LinkedHashMap<>();
    private EntryProxy entry;
    private EntryProxy recorded;

    @BeforeAll
    void startProxies() {
        // No instances service in the stack: its upstream is a port where nothing listens.
        entry = EntryProxy.start(
                "stack",
                stack.workspaces.url(),
                "http://127.0.0.1:" + Ports.free(),
                stack.registryA.url(),
                stack.coordinatorA.url());
        for (String service : List.of("workspaces", "instances", "registry", "coordinator")) {
            recorders.put(service, new Recorder(service));
        }
        recorded = EntryProxy.start(
                "recorded",
                recorders.get("workspaces").url(),
                recorders.get("instances").url(),
                recorders.get("registry").url(),
                recorders.get("coordinator").url());
    }

    @AfterAll
    void stopProxies() {
        for (AutoCloseable part : Stream.concat(Stream.of(entry, recorded), recorders.values().stream())
                .toList()) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                System.err.println("e2e: could not stop " + part + ": " + e);
            }
        }
    }

    static Stream<Arguments> pathTricks() {
        return Stream.of(
                Arguments.of("/internal;/revocations", 400),
                Arguments.of("/internal%2Frevocations", 400),
                Arguments.of("/internal%2frevocations", 400),
                Arguments.of("/%69nternal/revocations", 404),
                Arguments.of("//internal/revocations", 400),
                Arguments.of("/fleets/..;/internal/revocations", 400),
                Arguments.of("/fleets/../internal/revocations", 400),
                Arguments.of("/fleets/..%2Finternal/revocations", 400),
                Arguments.of("/fleets/..%5Cinternal/revocations", 400),
                Arguments.of("/fleets/..\\internal/revocations", 400),
                Arguments.of("/fleets/%2e%2e/internal/revocations", 400),
                Arguments.of("/fleets/%2E%2E/internal/revocations", 400),
                Arguments.of("/fleets/%252e%252e/internal/revocations", 400),
                Arguments.of("/fleets/./x", 400),
                Arguments.of("/fleets/.", 400),
                Arguments.of("/fleets/%00", 400),
                Arguments.of("/fleets/%3Bx", 400),
                Arguments.of("/fleets;x=1", 400),
                Arguments.of("/token;jsessionid=1", 400),
                Arguments.of("/q/health", 404),
                Arguments.of("/q/health/ready", 404),
                Arguments.of("/q;/metrics", 400),
                Arguments.of("/internal/revocations", 404),
                Arguments.of("/Internal/revocations", 404),
                Arguments.of("/fleetsX", 404),
                Arguments.of("/tokens", 404),
                Arguments.of("/index.html", 404));
    }

    @ParameterizedTest
    @MethodSource("pathTricks")
    void pathTricksGetTheEntrysJsonErrorAndNeverTheRevocationList(String path, int status) {
        Answer answer = exchange(entry, "GET " + path + " HTTP/1.1\r\nHost: rigfleet.test\r\n");

        assertEquals(status, answer.status(), answer.toString());
        JsonNode body = answer.json();
        assertEquals(status, body.path("status").asInt(), answer.toString());
        assertEquals(
                status == 400 ? "bad_request" : "not_found", body.path("error").asText());
        assertFalse(body.has("revoked"), answer.toString());
    }

    @ParameterizedTest
    @MethodSource("pathTricks")
    void pathTricksOnEveryServicesPrefixReachNoService(String path, int status) {
        recorders.values().forEach(Recorder::drain);
        List<String> tried = new ArrayList<>(List.of(path));
        // The same tricks after each allow-listed prefix: refused before routing, whichever service it names.
        if (path.startsWith("/fleets")) {
            for (String prefix : ALLOW_LIST.keySet()) {
                tried.add(prefix + path.substring("/fleets".length()));
            }
        }
        for (String each : tried) {
            Answer answer = exchange(recorded, "GET " + each + " HTTP/1.1\r\nHost: rigfleet.test\r\n");
            assertTrue(answer.status() == 400 || answer.status() == 404, each + ": " + answer);
            assertEquals(answer.status(), answer.json().path("status").asInt(), each + ": " + answer);
        }
        recorders.values().forEach(recorder -> assertEquals(List.of(), recorder.drain(), recorder + " saw a trick"));
    }

    @Test
    void everyAllowListedPrefixReachesItsOwnServiceOnWholeSegmentsOnly() {
        recorders.values().forEach(Recorder::drain);
        for (Map.Entry<String, String> route : ALLOW_LIST.entrySet()) {
            String prefix = route.getKey();
            Recorder owner = recorders.get(route.getValue());
            for (String path : List.of(prefix, prefix + "/", prefix + "/1/x?token=t&q=a;b%2Fc")) {
                Answer answer = exchange(recorded, "GET " + path + " HTTP/1.1\r\nHost: rigfleet.test\r\n");
                assertEquals(200, answer.status(), path + ": " + answer);
                assertEquals(route.getValue(), answer.json().path("upstream").asText(), path);
                // Passed on as sent, query included.
                assertEquals(
                        List.of(path), owner.drain().stream().map(Seen::target).toList(), path);
            }
            Answer longer = exchange(recorded, "GET " + prefix + "X HTTP/1.1\r\nHost: rigfleet.test\r\n");
            assertEquals(404, longer.status(), prefix + "X: " + longer);
            assertEquals("not_found", longer.json().path("error").asText());
        }
        recorders.values().forEach(recorder -> assertEquals(List.of(), recorder.drain(), recorder.toString()));
    }

    @Test
    void theRoutingTableLandsWhereItSays() {
        for (Map.Entry<String, String> sample : RoutingTable.SAMPLES.entrySet()) {
            recorders.values().forEach(Recorder::drain);
            Answer answer = exchange(recorded, "GET " + sample.getKey() + " HTTP/1.1\r\nHost: rigfleet.test\r\n");
            if (sample.getValue().equals(RoutingTable.REFUSED)) {
                assertTrue(answer.status() == 404 || answer.status() == 400, sample.getKey() + ": " + answer);
            } else {
                assertEquals(200, answer.status(), sample.getKey() + ": " + answer);
                assertEquals(sample.getValue(), answer.json().path("upstream").asText(), sample.getKey());
            }
            recorders.forEach((service, recorder) -> assertEquals(
                    service.equals(sample.getValue()) ? 1 : 0,
                    recorder.drain().size(),
                    sample.getKey() + " seen by " + service));
        }
    }

    @Test
    void allowedRoutesReachTheRealServices() {
        Response token = given().contentType(ContentType.JSON)
                .body(Map.of("user", Stack.ADMIN, "password", Stack.ADMIN_PASSWORD))
                .post(entry.url() + "/token");
        assertEquals(200, token.statusCode(), token.asString());
        assertTrue(token.contentType().startsWith("application/json"), token.contentType());
        assertFalse(token.jsonPath().getString("token").isBlank());

        // GET /fleets has a small allowance per user on this stack (RateLimitIT): a user of this test's own.
        Response fleets = given().auth().oauth2(Accounts.newUserToken(stack)).get(entry.url() + "/fleets");
        assertEquals(200, fleets.statusCode(), fleets.asString());
        assertTrue(fleets.jsonPath().getList("fleets") != null, fleets.asString());
        assertEquals(String.valueOf(Stack.FLEETS_LIMIT), fleets.header("X-RateLimit-Limit"), "the registry's answer");

        Response agent = given().get(entry.url() + "/api/v2/workspaceagents/me/metadata");
        assertEquals(401, agent.statusCode(), "the coordinator's answer: " + agent.asString());
    }

    @Test
    void anUnreachableServiceIsAJson503() {
        Response answer = given().get(entry.url() + "/instances");

        assertEquals(503, answer.statusCode());
        assertEquals("unavailable", answer.jsonPath().getString("error"));
        assertTrue(answer.contentType().startsWith("application/json"), answer.contentType());
    }

    static Stream<Arguments> nginxsOwnErrors() {
        String longUri = "/fleets?q=" + "a".repeat(10_000);
        String longHeader = "X-Padding: " + "a".repeat(10_000) + "\r\n";
        return Stream.of(
                Arguments.of("a lower-case method", "get /fleets HTTP/1.1\r\nHost: rigfleet.test\r\n", 400),
                Arguments.of("no request line to speak of", "GARBAGE\r\n", 400),
                Arguments.of("no Host", "GET /fleets HTTP/1.1\r\n", 400),
                Arguments.of("a bad escape in the path", "GET /fleets/%zz HTTP/1.1\r\nHost: rigfleet.test\r\n", 400),
                Arguments.of("a bad escape in the query", "GET /fleets?x=%zz HTTP/1.1\r\nHost: rigfleet.test\r\n", 400),
                Arguments.of("a cut escape in the query", "GET /fleets?x=%4 HTTP/1.1\r\nHost: rigfleet.test\r\n", 400),
                Arguments.of("TRACE", "TRACE /fleets HTTP/1.1\r\nHost: rigfleet.test\r\n", 405),
                Arguments.of("an overlong URI", "GET " + longUri + " HTTP/1.1\r\nHost: rigfleet.test\r\n", 414),
                Arguments.of("an overlong header", "GET /fleets HTTP/1.1\r\nHost: rigfleet.test\r\n" + longHeader, 431),
                Arguments.of(
                        "a body over 2 MiB",
                        "POST /fleets HTTP/1.1\r\nHost: rigfleet.test\r\nContent-Length: 3000000\r\n",
                        413));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nginxsOwnErrors")
    void nginxsOwnErrorsAreJson(String what, String request, int status) {
        Answer answer = exchange(entry, request);

        assertEquals(status, answer.status(), answer.toString());
        assertEquals("application/json", answer.headers().get("content-type"), answer.toString());
        JsonNode body = answer.json();
        assertEquals(status, body.path("status").asInt());
        assertFalse(body.path("error").asText().isEmpty(), answer.toString());
        assertFalse(body.path("error_message").asText().isEmpty(), answer.toString());
        assertFalse(body.path("request_id").asText().isEmpty(), answer.toString());
    }

    @Test
    void theAccessLogHoldsNoQueryString() throws IOException {
        List<String> ids = new ArrayList<>();
        for (String path :
                List.of("/fleets?token=secret-xyz", "/nowhere?token=secret-xyz", "/fleets;x?token=secret-xyz")) {
            String id = "log-" + UUID.randomUUID();
            ids.add(id);
            Answer answer =
                    exchange(entry, "GET " + path + " HTTP/1.1\r\nHost: rigfleet.test\r\nX-Request-Id: " + id + "\r\n");
            assertNotEquals(200, answer.status(), "no token in the header: " + answer);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream().allMatch(id -> logged(id)));
        String log = Files.readString(entry.accessLog());
        assertFalse(log.contains("secret-xyz"), log);
        assertTrue(log.contains("\"GET /fleets HTTP/1.1\" 401"), log);
        assertTrue(log.contains("\"GET /nowhere HTTP/1.1\" 404"), log);
    }

    @Test
    void aCallersForwardedForIsReplacedAndServicesSeeTheEntrysOwnAddress() {
        recorders.values().forEach(Recorder::drain);
        // The coordinator's route sets headers of its own, so it must repeat the whole list: each service is tried.
        Map<String, String> oneRoutePerService = Map.of(
                "workspaces", "/token",
                "instances", "/instances",
                "registry", "/fleets",
                "coordinator", "/api/v2/workspaceagents/me/coordinate");
        for (Map.Entry<String, String> route : oneRoutePerService.entrySet()) {
            Answer answer = exchange(
                    recorded,
                    "GET " + route.getValue() + " HTTP/1.1\r\nHost: rigfleet.test\r\nX-Forwarded-For: 203.0.113.9\r\n"
                            + "X-Real-IP: 203.0.113.9\r\nX-Request-Id: xff-test\r\n");
            assertEquals(200, answer.status(), answer.toString());

            List<Seen> seen = recorders.get(route.getKey()).drain();
            assertEquals(1, seen.size(), route.toString());
            Seen request = seen.get(0);
            assertEquals("127.0.0.1", request.header("X-Forwarded-For"), route.toString());
            assertEquals("127.0.0.1", request.header("X-Real-IP"), route.toString());
            assertEquals("xff-test", request.header("X-Request-Id"), route.toString());
            assertEquals("rigfleet.test", request.header("Host"), route.toString());
            // proxy_bind: the one address the services trust X-Forwarded-For from.
            assertEquals("127.0.0.2", request.from(), route.toString());
        }
    }

    private boolean logged(String requestId) {
        try {
            return Files.exists(entry.accessLog())
                    && Files.readString(entry.accessLog()).contains("req=" + requestId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> allowList() {
        Map<String, String> routes = new LinkedHashMap<>();
        for (String prefix : List.of(
                "/token",
                "/revoke",
                "/purge",
                "/users",
                "/workspaces",
                "/deployments",
                "/deployment",
                "/queuelen",
                "/rules",
                "/reservations",
                "/reservation",
                "/notifications")) {
            routes.put(prefix, "workspaces");
        }
        for (String prefix : List.of("/fleets", "/devices", "/supervisor", "/supervisor-commands", "/provision")) {
            routes.put(prefix, "registry");
        }
        for (String prefix : List.of("/new", "/terminate", "/instances", "/instance", "/firewall", "/vpn")) {
            routes.put(prefix, "instances");
        }
        routes.put("/api/v2/workspaceagents", "coordinator");
        return routes;
    }

    /**
     * Sends {@code head} (a request line and headers, each ending in CRLF) as it is, with {@code Connection: close}
     * and the blank line added, and reads one answer. A raw socket, because HTTP clients tidy up the very paths
     * these tests send.
     */
    private static Answer exchange(EntryProxy proxy, String head) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = line(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(
                        header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).trim());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream chunks = new ByteArrayOutputStream();
                for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                        size > 0;
                        size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                    chunks.write(in.readNBytes(size));
                    line(in);
                }
                body = chunks.toByteArray();
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else {
                body = in.readAllBytes();
            }
            return new Answer(
                    Integer.parseInt(statusLine.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new IOException("the connection closed mid-line after: " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private record Answer(int status, Map<String, String> headers, String body) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }
    }

    /** What a stand-in service saw: the request target as sent, the peer's address, the headers. */
    private record Seen(String target, String from, Map<String, List<String>> headers) {

        String header(String name) {
            List<String> values = headers.entrySet().stream()
                    .filter(header -> header.getKey().equalsIgnoreCase(name))
                    .flatMap(header -> header.getValue().stream())
                    .toList();
            return values.size() == 1 ? values.get(0) : String.valueOf(values);
        }
    }

    /** A stand-in service that records each request and answers {@code {"upstream": "<its name>"}}. */
    private static final class Recorder implements AutoCloseable {

        private final String name;
        private final HttpServer server;
        private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

        Recorder(String name) {
            this.name = name;
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.createContext("/", this::answer);
            server.start();
        }

        private void answer(HttpExchange exchange) throws IOException {
            seen.add(new Seen(
                    exchange.getRequestURI().toString(),
                    exchange.getRemoteAddress().getAddress().getHostAddress(),
                    Map.copyOf(exchange.getRequestHeaders())));
            byte[] body = ("{\"upstream\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        /** What it saw since the last drain, oldest first. */
        List<Seen> drain() {
            List<Seen> drained = new ArrayList<>();
            for (Seen each = seen.poll(); each != null; each = seen.poll()) {
                drained.add(each);
            }
            return drained;
        }

        @Override
        public void close() {
            server.stop(0);
        }

        @Override
        public String toString() {
            return "stand-in " + name;
        }
    }
}
