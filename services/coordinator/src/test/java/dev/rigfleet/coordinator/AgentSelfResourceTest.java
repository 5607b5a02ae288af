package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class AgentSelfResourceTest {

    private record Device(String uuid, String credential, String app) {}

    private static Device enrolled() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Device device = new Device(
                UUID.randomUUID().toString().replace("-", ""),
                HexFormat.of().formatHex(random),
                UUID.randomUUID().toString());
        RegistryStub.enrol(
                TokenHashes.sha256(device.credential()),
                new RegistryStub.Device(device.uuid(), 9, 4, UUID.randomUUID().toString()));
        RegistryStub.setService(device.uuid(), device.app(), "camera");
        return device;
    }

    private static RequestSpecification as(Device device) {
        return given().header("Coder-Session-Token", device.credential()).contentType(ContentType.JSON);
    }

    @Test
    void statsAreTakenAndTheReportIntervalIsAGoDuration() {
        Device device = enrolled();
        as(device)
                .body(Map.of("conns_by_proto", Map.of("ssh", 1), "rx_bytes", 10, "tx_bytes", 20))
                .post("/api/v2/workspaceagents/me/report-stats")
                .then()
                .statusCode(200)
                .body("report_interval", equalTo(20_000_000_000L));
        // Coder's agent writes Go field names; they are read without regard to case.
        as(device)
                .body(Map.of("RX_Bytes", 11, "NUM_COMMS", 2))
                .post("/api/v2/workspaceagents/me/report-stats")
                .then()
                .statusCode(200);
        as(device)
                .body("{\"rx_bytes\": \"lots\"}")
                .post("/api/v2/workspaceagents/me/report-stats")
                .then()
                .statusCode(400);
    }

    @Test
    void statsReportsMakeADayOfHistoryForTheRegistryOnly() {
        Device device = enrolled();
        String history = "/internal/agents/" + device.uuid() + "/stats";
        reportStats(device, Map.of("rx_bytes", 10, "tx_bytes", 20));
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> asRegistry(history).body("stats.rx_bytes", equalTo(List.of(10))));
        // The next flush, past the test's history interval (1 s), adds a second sample after the first.
        reportStats(device, Map.of("rx_bytes", 15, "tx_bytes", 40, "conns_by_proto", Map.of("pty", 2)));
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> asRegistry(history)
                        .body("stats.rx_bytes", equalTo(List.of(10, 15)))
                        .body("stats[1].conns_by_proto.pty", equalTo(2))
                        .body("stats[0].at", startsWith("20")));
        InternalRoutes.refuseAllButTheirCallers("GET", history, null, "instances");
        as(device).get(history).then().statusCode(401);
    }

    private static void reportStats(Device device, Map<String, Object> stats) {
        as(device)
                .body(stats)
                .post("/api/v2/workspaceagents/me/report-stats")
                .then()
                .statusCode(200);
    }

    private static ValidatableResponse asRegistry(String path) {
        return given().header("Authorization", TestTokens.service("registry"))
                .get(path)
                .then()
                .statusCode(200);
    }

    @Test
    void appHealthNamesTheDevicesServicesByUuid() {
        Device device = enrolled();
        as(device)
                .body(Map.of("Healths", Map.of(device.app(), "healthy")))
                .post("/api/v2/workspaceagents/me/app-health")
                .then()
                .statusCode(200);

        as(device)
                .get("/api/v2/workspaceagents/me/metadata")
                .then()
                .statusCode(200)
                .body("apps.id", equalTo(List.of(device.app())))
                .body("apps[0].slug", equalTo("camera"))
                .body("apps[0].health", equalTo("healthy"))
                .body("apps[0].command", equalTo("python3 app.py"))
                .body("apps[0].healthcheck.interval", equalTo(5))
                .body("environment_variables.LAB", equalTo("north"))
                .body("derpmap.regions", equalTo(Map.of()));
    }

    @Test
    void badAppHealthReportsAreRefused() {
        Device device = enrolled();
        String path = "/api/v2/workspaceagents/me/app-health";
        as(device)
                .post(path)
                .then()
                .statusCode(400)
                .body("error_message", equalTo("healths must name at least one app"));
        as(device).body(Map.of("healths", Map.of())).post(path).then().statusCode(400);
        as(device)
                .body(Map.of("healths", Map.of(device.app(), "sleepy")))
                .post(path)
                .then()
                .statusCode(400);
        as(device)
                .body(Map.of("healths", Map.of(UUID.randomUUID().toString(), "healthy")))
                .post(path)
                .then()
                .statusCode(404);
        as(device).body("{\"healths\": [").post(path).then().statusCode(400);
    }

    @Test
    void theDeviceCredentialMayComeAsABearerToken() {
        Device device = enrolled();
        given().auth()
                .oauth2(device.credential())
                .get("/api/v2/workspaceagents/me/metadata")
                .then()
                .statusCode(200)
                .body("apps.id", equalTo(List.of(device.app())));
        given().auth()
                .oauth2(device.credential())
                .contentType(ContentType.JSON)
                .body(Map.of("rx_bytes", 10))
                .post("/api/v2/workspaceagents/me/report-stats")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2("0".repeat(64))
                .get("/api/v2/workspaceagents/me/metadata")
                .then()
                .statusCode(401)
                .body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void theseRoutesAreForAgentsOnly() {
        given().get("/api/v2/workspaceagents/me/metadata").then().statusCode(401);
        given().header("Coder-Session-Token", "0".repeat(64))
                .get("/api/v2/workspaceagents/me/metadata")
                .then()
                .statusCode(401);
        for (String header : List.of("Authorization", "Coder-Session-Token")) {
            String token = TestTokens.user(UUID.randomUUID().toString(), "user");
            given().header(header, header.equals("Authorization") ? "Bearer " + token : token)
                    .get("/api/v2/workspaceagents/me/metadata")
                    .then()
                    .statusCode(403)
                    .body("status", equalTo(403));
        }
    }

    @Test
    void gitAuthIsNotConfigured() {
        as(enrolled())
                .queryParam("url", "https://git.example.org/rigs.git")
                .get("/api/v2/workspaceagents/me/gitauth")
                .then()
                .statusCode(404)
                .body("error_message", equalTo("git authentication is not configured"));
    }

    @Test
    void gitSshKeyIsTheOwnersPair() {
        as(enrolled())
                .get("/api/v2/workspaceagents/me/gitsshkey")
                .then()
                .statusCode(200)
                .body("public_key", startsWith("ecdsa-sha2-nistp256 "))
                .body("private_key", startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
    }
}
