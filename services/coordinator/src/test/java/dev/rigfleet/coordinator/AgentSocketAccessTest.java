package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.RawRequests;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
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

    /** A device its owner can see in the registry stand-in; answers {uuid, owner token}. */
    private static String[] ownedDevice() {
        String uuid = UUID.randomUUID().toString().replace("-", "");
        String owner = UUID.randomUUID().toString();
        String token = TestTokens.user(owner, "user");
        RegistryStub.ownerView(
                uuid,
                token,
                String.format(
                        "{\"uuid\":\"%s\",\"owner\":\"%s\",\"online\":false,\"created_at\":\"2026-11-01T10:00:00Z\"}",
                        uuid, owner));
        return new String[] {uuid, token};
    }

    @TestHTTPResource("/")
    URL server;

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
    void anotherOwnersSocketsAreNotFoundWhateverShapeThePathTakes() {
        String[] device = ownedDevice();
        String stranger = TestTokens.user(UUID.randomUUID().toString(), "user");
        for (String route : new String[] {"/pty", "/coordinate"}) {
            for (String path : variants(device[0], route)) {
                RawRequests.Answer answer = RawRequests.upgrade(server, path, stranger);
                assertEquals(404, answer.status(), path + " answered " + answer.status() + " " + answer.body());
            }
            RawRequests.Answer canonical =
                    RawRequests.upgrade(server, "/api/v2/workspaceagents/" + device[0] + route, stranger);
            assertTrue(canonical.body().contains("\"error_message\":\"no agent " + device[0] + "\""), canonical.body());
            assertTrue(canonical.body().contains("\"status\":404"), canonical.body());
            assertTrue(canonical.body().matches(".*\"request_id\":\"[0-9a-f-]{36}\".*"), canonical.body());
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
    void anotherOwnersAgentViewsAreNotFoundWhateverShapeThePathTakes() {
        String[] device = ownedDevice();
        String stranger = TestTokens.user(UUID.randomUUID().toString(), "user");
        for (String route : new String[] {"", "/connection", "/listening-ports"}) {
            for (String path : variants(device[0], route)) {
                RawRequests.Answer answer = RawRequests.get(server, path, stranger);
                assertEquals(404, answer.status(), path + " answered " + answer.status() + " " + answer.body());
            }
        }
    }

    @Test
    void theOwnerOpensTheSocketsAtTheirPathWithOrWithoutATrailingSlash() {
        String[] device = ownedDevice();
        for (String route : new String[] {"/pty", "/coordinate"}) {
            for (String path : List.of(
                    "/api/v2/workspaceagents/" + device[0] + route,
                    "/api/v2/workspaceagents/" + device[0] + route + "/")) {
                assertEquals(101, RawRequests.upgrade(server, path, device[1]).status(), path);
            }
        }
    }

    @Test
    void withoutAValidTokenTheSocketsAnswerTheClientsWrongTokenMessage() {
        String[] device = ownedDevice();
        for (String token : new String[] {
            null, "not-a-token", TestTokens.expired(UUID.randomUUID().toString())
        }) {
            for (String route : new String[] {"/pty", "/coordinate"}) {
                RawRequests.Answer answer =
                        RawRequests.upgrade(server, "/api/v2/workspaceagents/" + device[0] + route, token);
                assertEquals(401, answer.status(), route);
                assertTrue(answer.body().contains("\"error_message\":\"wrong authorization token\""), answer.body());
            }
        }
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
        String[] device = ownedDevice();
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
