package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.auth.SessionCookie;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.RawRequests;
import dev.rigfleet.common.testing.TestKeys;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Who may open a device's terminal or watch its agent, decided at the upgrade by the endpoints' own check, whatever
 * shape the path takes, with the common JSON errors; and
 * the internal tunnel route's answers. Terminals and tunnels carrying bytes run against a real agent in e2e
 * (StreamsIT).
 */
@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class AgentSocketAccessTest {

    /** The two headers a user's token may come in: bearer clients' and Coder's. */
    private static final List<String> TOKEN_HEADERS =
            List.of(HeaderRequests.AUTHORIZATION, HeaderRequests.SESSION_TOKEN);

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** An offline device its owner can see in the registry stand-in; answers {uuid, owner token}. */
    private static String[] ownedDevice() {
        return ownedDevice(false);
    }

    private static String[] ownedDevice(boolean online) {
        String uuid = UUID.randomUUID().toString().replace("-", "");
        String owner = UUID.randomUUID().toString();
        String token = TestTokens.user(owner, "user");
        RegistryStub.ownerView(
                uuid,
                token,
                String.format(
                        "{\"uuid\":\"%s\",\"owner\":\"%s\",\"online\":%s,\"first_seen\":\"2026-11-01T10:05:00Z\","
                                + "\"last_seen\":\"2026-11-02T10:00:00Z\",\"created_at\":\"2026-11-01T10:00:00Z\"}",
                        uuid, owner, online));
        return new String[] {uuid, token};
    }

    /** The owned device's agent, dialled home; the registry says it is online. */
    private TestAgent connectedAgent(String uuid) throws Exception {
        String credential = HexFormat.of().formatHex(SecureRandom.getSeed(32));
        RegistryStub.enrol(
                TokenHashes.sha256(credential),
                new RegistryStub.Device(uuid, 3, 1, UUID.randomUUID().toString()));
        TestAgent agent = TestAgent.connect(vertx, base, credential);
        agent.hello(uuid);
        agent.next(WAIT);
        agent.next(WAIT);
        return agent;
    }

    @TestHTTPResource("/")
    URL server;

    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    /** The shapes a path can take on its way to an endpoint; each must meet the endpoint's own check. */
    private static List<String> variants(String uuid, String route) {
        String dashed = uuid.substring(0, 8) + "-" + uuid.substring(8, 12) + "-" + uuid.substring(12, 16) + "-"
                + uuid.substring(16, 20) + "-" + uuid.substring(20);
        String encoded = uuid.chars().mapToObj(c -> String.format("%%%02X", c)).collect(Collectors.joining());
        String base = "/api/v2/workspaceagents/";
        return List.of(
                base + uuid + route,
                base + uuid + route + "/",
                base + uuid + route + "//",
                base + "/" + uuid + route,
                "/" + base + uuid + route,
                base + uuid + "/" + route,
                base + uuid + route + ";x=1",
                base + uuid + ";x=1" + route,
                base + uuid + route + "/;x=1",
                base + dashed + route,
                base + uuid.toUpperCase() + route,
                base + encoded + route,
                base + uuid + route.replace("/", "%2F"),
                base + uuid + route + "%2F",
                base + "./" + uuid + route,
                base + "x/../" + uuid + route,
                base + uuid + route + "/.",
                "/API/v2/workspaceagents/" + uuid + route,
                base + uuid + route + "?x=1",
                base + uuid + route + "/?command=id");
    }

    @Test
    void anotherOwnersSocketsAreNotFoundWhateverShapeThePathTakesOrTheHeaderTheTokenComesIn() {
        String[] device = ownedDevice(true);
        String stranger = TestTokens.user(UUID.randomUUID().toString(), "user");
        for (String header : TOKEN_HEADERS) {
            for (String route : new String[] {"/pty", "/coordinate"}) {
                for (String path : variants(device[0], route)) {
                    RawRequests.Answer answer = HeaderRequests.upgrade(server, path, header, stranger);
                    assertEquals(
                            404,
                            answer.status(),
                            header + " " + path + " answered " + answer.status() + " " + answer.body());
                }
                RawRequests.Answer canonical = HeaderRequests.upgrade(
                        server, "/api/v2/workspaceagents/" + device[0] + route, header, stranger);
                assertTrue(
                        canonical.body().contains("\"error_message\":\"no agent " + device[0] + "\""),
                        canonical.body());
                assertTrue(canonical.body().contains("\"status\":404"), canonical.body());
                assertTrue(canonical.body().matches(".*\"request_id\":\"[0-9a-f-]{36}\".*"), canonical.body());
            }
        }
        // The agent's own endpoint takes only a device's credential, and the old watch route is gone.
        for (String path : List.of(
                "/api/v2/workspaceagents/me/coordinate",
                "/api/v2/workspaceagents/me/coordinate/",
                "/api/v2/workspaceagents/me/link",
                "/api/v2/workspaceagents/me/link/",
                "/internal/agent-watch/" + device[0],
                "/internal/agent-watch/" + device[0] + "/")) {
            int status = RawRequests.upgrade(server, path, stranger).status();
            assertTrue(status == 401 || status == 403 || status == 404, path + " answered " + status);
        }
    }

    @Test
    void anotherOwnersAgentViewsAreNotFoundWhateverShapeThePathTakesOrTheHeaderTheTokenComesIn() {
        String[] device = ownedDevice(true);
        String stranger = TestTokens.user(UUID.randomUUID().toString(), "user");
        for (String header : TOKEN_HEADERS) {
            for (String route : new String[] {"", "/connection", "/listening-ports"}) {
                for (String path : variants(device[0], route)) {
                    RawRequests.Answer answer = HeaderRequests.get(server, path, header, stranger);
                    assertEquals(
                            404,
                            answer.status(),
                            header + " " + path + " answered " + answer.status() + " " + answer.body());
                }
            }
        }
    }

    @Test
    void theOwnerReachesEveryRouteWithTheTokenInEitherHeaderWithOrWithoutATrailingSlash() throws Exception {
        String[] device = ownedDevice(true);
        try (TestAgent agent = connectedAgent(device[0])) {
            for (String header : TOKEN_HEADERS) {
                for (String route : new String[] {"/pty", "/coordinate"}) {
                    for (String path : List.of(
                            "/api/v2/workspaceagents/" + device[0] + route,
                            "/api/v2/workspaceagents/" + device[0] + route + "/")) {
                        assertEquals(
                                101,
                                HeaderRequests.upgrade(server, path, header, device[1])
                                        .status(),
                                header + " " + path);
                    }
                }
                for (String route : new String[] {"", "/connection"}) {
                    for (String path : List.of(
                            "/api/v2/workspaceagents/" + device[0] + route,
                            "/api/v2/workspaceagents/" + device[0] + route + "/")) {
                        RawRequests.Answer answer = HeaderRequests.get(server, path, header, device[1]);
                        assertEquals(200, answer.status(), header + " " + path + " answered " + answer.body());
                    }
                }
            }
        }
    }

    @Test
    void withoutAValidTokenEveryOwnerRouteAnswersTheClientsWrongTokenMessage() {
        String[] device = ownedDevice(true);
        for (String header : TOKEN_HEADERS) {
            for (String token : new String[] {
                null,
                "not-a-token",
                "0".repeat(64),
                TestTokens.expired(UUID.randomUUID().toString()),
                TestTokens.signedByStranger(UUID.randomUUID().toString()),
                // Signed with rigfleet's key, but for an audience this service does not accept.
                Jwt.issuer("rigfleet")
                        .subject(UUID.randomUUID().toString())
                        .audience("eurl")
                        .groups("user")
                        .expiresIn(600)
                        .sign(TestKeys.signingKey())
            }) {
                for (String route : new String[] {"/pty", "/coordinate", "", "/connection", "/listening-ports"}) {
                    String path = "/api/v2/workspaceagents/" + device[0] + route;
                    RawRequests.Answer answer = route.equals("/pty") || route.equals("/coordinate")
                            ? HeaderRequests.upgrade(server, path, header, token)
                            : HeaderRequests.get(server, path, header, token);
                    assertEquals(401, answer.status(), header + " " + token + " " + path + " " + answer.body());
                    assertTrue(
                            answer.body().contains("\"error_message\":\"wrong authorization token\""), answer.body());
                    assertTrue(answer.body().contains("\"status\":401"), answer.body());
                }
            }
        }
    }

    @Test
    void agentsAndDeviceSessionsMayNotUseTheOwnersRoutes() {
        String[] device = ownedDevice(true);
        String[] agent = RegistryStub.enrolNewDevice();
        String session = Jwt.issuer("rigfleet")
                .subject(agent[0])
                .audience("device")
                .groups("device")
                .claim("device_id", 7)
                .claim("app_id", 3)
                .claim("owner", UUID.randomUUID().toString())
                .expiresIn(600)
                .sign(TestKeys.signingKey());
        for (String header : TOKEN_HEADERS) {
            for (String token : new String[] {agent[1], session}) {
                assertEquals(
                        403,
                        HeaderRequests.get(server, "/api/v2/workspaceagents/" + device[0], header, token)
                                .status(),
                        header + " " + token);
                RawRequests.Answer upgrade =
                        HeaderRequests.upgrade(server, "/api/v2/workspaceagents/" + device[0] + "/pty", header, token);
                assertEquals(403, upgrade.status(), header + " " + token + " " + upgrade.body());
                assertTrue(upgrade.body().contains("\"status\":403"), upgrade.body());
            }
            // A device-audience token without the claims of a session token is not one: refused, not a 500.
            RawRequests.Answer unnamed = HeaderRequests.get(
                    server, "/api/v2/workspaceagents/" + device[0], header, TestTokens.deviceAudience(device[0]));
            assertEquals(401, unnamed.status(), header + " " + unnamed.body());
        }
    }

    @Test
    void anOfflineAgentsTerminalAndPortsAnswer428BeforeAnyUpgradeAsCodersDo() {
        String[] device = ownedDevice(false);
        String path = "/api/v2/workspaceagents/" + device[0];
        for (String header : TOKEN_HEADERS) {
            for (RawRequests.Answer answer : List.of(
                    HeaderRequests.upgrade(server, path + "/pty", header, device[1]),
                    HeaderRequests.upgrade(server, path + "/pty/?reconnect=" + UUID.randomUUID(), header, device[1]),
                    HeaderRequests.get(server, path + "/listening-ports", header, device[1]))) {
                assertEquals(428, answer.status(), answer.body());
                assertTrue(
                        answer.body()
                                .contains("\"error_message\":\"Agent state is \\\"disconnected\\\", it must be in the"
                                        + " \\\"connected\\\" state.\""),
                        answer.body());
                assertTrue(answer.body().contains("\"error\":\"precondition_required\""), answer.body());
            }
            // Coder's /coordinate serves agents that are not connected yet; so does this one, whose messages say
            // when the agent comes.
            assertEquals(
                    101,
                    HeaderRequests.upgrade(server, path + "/coordinate", header, device[1])
                            .status());
        }
    }

    @Test
    void aTerminalSignedInByTheDashboardsCookieOpensOnlyFromThePlatformsOwnPages() {
        String[] device = ownedDevice(false);
        String path = "/api/v2/workspaceagents/" + device[0];
        String cookie = "Cookie: " + SessionCookie.NAME + "=" + device[1] + "\r\n";
        for (String origin : List.of("", "Origin: http://evil.example\r\n", "Origin: http://127.0.0.1:9\r\n")) {
            for (String socket : List.of("/pty", "/pty/", "/coordinate")) {
                RawRequests.Answer refused = HeaderRequests.upgrade(server, path + socket, cookie + origin);
                assertEquals(403, refused.status(), origin + socket + " " + refused.body());
                assertTrue(refused.body().contains("must come from the platform's own pages"), refused.body());
            }
        }
        // From the platform's own origin the cookie signs the owner in, and the terminal answers as it does for a
        // bearer token: 428 while the agent is away; /coordinate opens.
        String own = cookie + "Origin: http://127.0.0.1\r\n";
        assertEquals(428, HeaderRequests.upgrade(server, path + "/pty", own).status());
        assertEquals(
                101, HeaderRequests.upgrade(server, path + "/coordinate", own).status());
        // Another owner's cookie finds nothing, as another owner's bearer token does.
        String stranger = "Cookie: " + SessionCookie.NAME + "="
                + TestTokens.user(UUID.randomUUID().toString(), "user") + "\r\nOrigin: http://127.0.0.1\r\n";
        assertEquals(
                404, HeaderRequests.upgrade(server, path + "/pty", stranger).status());
    }

    @Test
    void whatIsNotAnAgentIdIsNotFound() {
        String[] device = ownedDevice();
        RawRequests.Answer answer = RawRequests.upgrade(server, "/api/v2/workspaceagents/not-an-agent/pty", device[1]);
        assertEquals(404, answer.status());
        assertTrue(answer.body().contains("\"error_message\":\"no agent not-an-agent\""), answer.body());
    }

    @Test
    void aBadTerminalQueryIsRefusedNamingTheParameter() {
        String[] device = ownedDevice(true);
        Map<String, String> bad = Map.of(
                "width", "0",
                "height", "lots",
                "reconnect", "not-a-uuid",
                "command", "x".repeat(3000));
        bad.forEach((parameter, value) -> {
            RawRequests.Answer answer = RawRequests.upgrade(
                    server, "/api/v2/workspaceagents/" + device[0] + "/pty?" + parameter + "=" + value, device[1]);
            assertEquals(400, answer.status(), parameter);
            assertTrue(answer.body().contains(parameter), answer.body());
        });
    }

    /** The one service that may open tunnels. */
    private static final String INSTANCES = TestTokens.service("instances");

    @Test
    void onlyTheInstancesServiceMayUseTunnels() {
        String body = "{\"device\":\"" + UUID.randomUUID() + "\",\"port\":22}";
        InternalRoutes.refuseAllButTheirCallers("POST", "/internal/tunnels", body, "registry");
        InternalRoutes.refuseAllButTheirCallers("GET", "/internal/tunnels/" + UUID.randomUUID(), null, "workspaces");
        InternalRoutes.refuseAllButTheirCallers("DELETE", "/internal/tunnels/" + UUID.randomUUID(), null, "registry");
    }

    @Test
    void aTunnelIsOpenedForAValidDeviceAndPortOnly() {
        for (Map<String, Object> badPort : List.<Map<String, Object>>of(
                Map.of("device", UUID.randomUUID().toString()),
                Map.of("device", UUID.randomUUID().toString(), "port", 70000))) {
            given().header("Authorization", INSTANCES)
                    .contentType(ContentType.JSON)
                    .body(badPort)
                    .post("/internal/tunnels")
                    .then()
                    .statusCode(400)
                    .body("error_message", containsString("port"));
        }
        given().header("Authorization", INSTANCES)
                .contentType(ContentType.JSON)
                .body(Map.of("device", "nobody", "port", 22))
                .post("/internal/tunnels")
                .then()
                .statusCode(404);
        given().header("Authorization", INSTANCES)
                .delete("/internal/tunnels/" + UUID.randomUUID())
                .then()
                .statusCode(404);
        given().header("Authorization", INSTANCES)
                .get("/internal/tunnels/" + UUID.randomUUID())
                .then()
                .statusCode(404);
    }

    @Test
    void aTunnelToAnOfflineDeviceClosesItsConnectionsAndCanBeClosed() throws Exception {
        String device = UUID.randomUUID().toString();
        Map<String, Object> tunnel = given().header("Authorization", INSTANCES)
                .contentType(ContentType.JSON)
                .body(Map.of("device", device, "port", 22))
                .post("/internal/tunnels")
                .then()
                .statusCode(201)
                .body("device_uuid", equalTo(device.replace("-", "")))
                .body("device_port", equalTo(22))
                .extract()
                .jsonPath()
                .getMap("");
        try (Socket socket = new Socket((String) tunnel.get("host"), (Integer) tunnel.get("port"))) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "a connection to an offline device is closed");
        }
        given().header("Authorization", INSTANCES)
                .get("/internal/tunnels/" + tunnel.get("id"))
                .then()
                .statusCode(200);
        given().header("Authorization", INSTANCES)
                .delete("/internal/tunnels/" + tunnel.get("id"))
                .then()
                .statusCode(204);
        given().header("Authorization", INSTANCES)
                .delete("/internal/tunnels/" + tunnel.get("id"))
                .then()
                .statusCode(404);
    }

    @Test
    void aTunnelsFirewallResetsRejectedConnectionsHoldsDroppedOnesSilentAndChangesForTheNextConnection()
            throws Exception {
        Map<String, Object> tunnel = given().header("Authorization", INSTANCES)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "device",
                        UUID.randomUUID().toString(),
                        "port",
                        22,
                        "rules",
                        List.of(Map.of("source", "127.0.0.1/32", "action", "REJECT"))))
                .post("/internal/tunnels")
                .then()
                .statusCode(201)
                .body("rules[0].source", equalTo("127.0.0.1/32"))
                .body("url", containsString("/internal/tunnels/"))
                .extract()
                .jsonPath()
                .getMap("");
        String host = (String) tunnel.get("host");
        int port = (Integer) tunnel.get("port");
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            assertThrows(
                    java.net.SocketException.class,
                    () -> socket.getInputStream().read(),
                    "REJECT resets");
        }

        given().header("Authorization", INSTANCES)
                .contentType(ContentType.JSON)
                .body(Map.of("rules", List.of(Map.of("source", "0.0.0.0/0", "action", "DROP"))))
                .put(tunnel.get("url").toString().replaceFirst("^https?://[^/]+", "") + "/firewall")
                .then()
                .statusCode(200)
                .body("rules[0].action", equalTo("DROP"));
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(1_000);
            assertThrows(
                    java.net.SocketTimeoutException.class,
                    () -> socket.getInputStream().read(),
                    "DROP sends nothing, not even a close, for a while");
        }

        given().header("Authorization", INSTANCES)
                .contentType(ContentType.JSON)
                .body(Map.of("rules", List.of(Map.of("source", "127.0.0.0/8", "action", "ACCEPT"))))
                .put("/internal/tunnels/" + tunnel.get("id") + "/firewall")
                .then()
                .statusCode(200);
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            // Accepted: relayed to the device, which is offline, so the relay ends with a close, not a reset.
            assertEquals(-1, socket.getInputStream().read());
        }
        given().header("Authorization", INSTANCES)
                .delete("/internal/tunnels/" + tunnel.get("id"))
                .then()
                .statusCode(204);
    }

    @Test
    void aFirewallChainWithABadRuleIsRefusedAndAnUnknownTunnelIs404() {
        for (Object rules : List.of(
                List.of(Map.of("source", "10.0.0.0/33", "action", "ACCEPT")),
                List.of(Map.of("source", "10.0.0.1", "action", "ALLOW")),
                List.of(Map.of("action", "ACCEPT")),
                "everyone")) {
            given().header("Authorization", INSTANCES)
                    .contentType(ContentType.JSON)
                    .body(Map.of("device", UUID.randomUUID().toString(), "port", 22, "rules", rules))
                    .post("/internal/tunnels")
                    .then()
                    .statusCode(400)
                    .body("error_message", org.hamcrest.Matchers.notNullValue());
        }
        given().header("Authorization", INSTANCES)
                .contentType(ContentType.JSON)
                .body(Map.of("rules", List.of()))
                .put("/internal/tunnels/" + UUID.randomUUID() + "/firewall")
                .then()
                .statusCode(404);
        InternalRoutes.refuseAllButTheirCallers(
                "PUT", "/internal/tunnels/" + UUID.randomUUID() + "/firewall", "{\"rules\":[]}", "workspaces");
    }
}
