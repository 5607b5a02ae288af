package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.InputStream;
import java.net.Socket;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Who may open a device's terminal or watch its agent, decided before any upgrade, with the common JSON errors; and
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

    @Test
    void anotherOwnersTerminalOrAgentIsNotFound() {
        String[] device = ownedDevice();
        String stranger = TestTokens.user(UUID.randomUUID().toString(), "user");
        for (String route : new String[] {"/pty", "/coordinate"}) {
            given().auth()
                    .oauth2(stranger)
                    .get("/api/v2/workspaceagents/" + device[0] + route)
                    .then()
                    .statusCode(404)
                    .contentType(ContentType.JSON)
                    .body("error_message", equalTo("no agent " + device[0]))
                    .body("status", equalTo(404));
        }
        // The rerouted watch route checks on its own too.
        given().auth()
                .oauth2(stranger)
                .get("/internal/agent-watch/" + device[0])
                .then()
                .statusCode(404)
                .contentType(ContentType.JSON);
    }

    @Test
    void whatIsNotAnAgentIdIsNotFound() {
        String[] device = ownedDevice();
        given().auth()
                .oauth2(device[1])
                .get("/api/v2/workspaceagents/not-an-agent/pty")
                .then()
                .statusCode(404)
                .body("error_message", equalTo("no agent not-an-agent"));
    }

    @Test
    void aBadTerminalQueryIsRefusedNamingTheParameter() {
        String[] device = ownedDevice();
        Map<String, String> bad = Map.of(
                "width", "0",
                "height", "lots",
                "reconnect", "not-a-uuid",
                "command", "x".repeat(3000));
        bad.forEach((parameter, value) -> given().auth()
                .oauth2(device[1])
                .queryParam(parameter, value)
                .get("/api/v2/workspaceagents/" + device[0] + "/pty")
                .then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error_message", containsString(parameter)));
    }

    @Test
    void aTunnelIsOpenedForAValidDeviceAndPortOnly() {
        given().contentType(ContentType.JSON)
                .body(Map.of("device", UUID.randomUUID().toString()))
                .post("/internal/tunnels")
                .then()
                .statusCode(400)
                .body("error_message", containsString("port"));
        given().contentType(ContentType.JSON)
                .body(Map.of("device", UUID.randomUUID().toString(), "port", 70000))
                .post("/internal/tunnels")
                .then()
                .statusCode(400)
                .body("error_message", containsString("port"));
        given().contentType(ContentType.JSON)
                .body(Map.of("device", "nobody", "port", 22))
                .post("/internal/tunnels")
                .then()
                .statusCode(404);
        given().delete("/internal/tunnels/" + UUID.randomUUID()).then().statusCode(404);
        given().get("/internal/tunnels/" + UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void aTunnelToAnOfflineDeviceClosesItsConnectionsAndCanBeClosed() throws Exception {
        String device = UUID.randomUUID().toString();
        Map<String, Object> tunnel = given().contentType(ContentType.JSON)
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
        given().get("/internal/tunnels/" + tunnel.get("id")).then().statusCode(200);
        given().delete("/internal/tunnels/" + tunnel.get("id")).then().statusCode(204);
        given().delete("/internal/tunnels/" + tunnel.get("id")).then().statusCode(404);
    }
}
