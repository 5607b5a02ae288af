package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged agent enrols with a provisioning key, dials a coordinator, answers a command from the bus with its own
 * local API, and comes back as the same device after a restart.
 */
class AgentProcessIT {

    private static final Duration REACH = Duration.ofSeconds(20);
    private final Stack stack = Stack.get();

    @Test
    void theAgentEnrolsOnceDialsHomeAndAnswersCommandsWithItsLocalApi() throws Exception {
        String token = Accounts.newUserToken(stack);
        Fleets fleet = Fleets.create(stack, token, "agent-rigs", 1);
        long appId = fleet.appId();
        String key = fleet.provisioningKey();
        Path stateDir = Files.createTempDirectory("rigfleet-agent");
        Map<String, String> config = Map.of(
                "rigfleet.agent.servers", stack.coordinatorB.url(),
                "rigfleet.agent.provisioning-url", stack.registryA.url(),
                "rigfleet.agent.provisioning-key", key,
                "rigfleet.agent.name", "bench-arm",
                "rigfleet.agent.state-dir", stateDir.toString(),
                "rigfleet.agent.iofog-port", "0",
                "rigfleet.agent.iofog-key-file", stateDir.resolve("local-api").toString());

        String uuid;
        try (ServiceProcess agent = ServiceProcess.start("agent", "agent", config)) {
            uuid = Fleets.awaitOnlyDeviceOnline(stack, token, appId, REACH);
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve("identity.json"))));
            await().atMost(REACH).until(() -> Files.exists(stateDir.resolve("target-state.json")));
            // The agent reports what the device runs; the registry keeps it as the device's reported state.
            await().atMost(REACH)
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .get(stack.registryA.url() + "/devices/" + uuid)
                            .then()
                            .body("reported_state.agent_version", org.hamcrest.Matchers.equalTo("rigfleet-agent/0.1"))
                            .body("reported_state.lifecycle_state", org.hamcrest.Matchers.equalTo("ready")));
            // The device's credential, as the agent kept it, also reaches the owner's git key (made and sealed
            // by the registry on first use).
            String credential = new ObjectMapper()
                    .readTree(stateDir.resolve("identity.json").toFile())
                    .path("credential")
                    .asText();
            given().header("Coder-Session-Token", credential)
                    .get(stack.coordinatorB.url() + "/api/v2/workspaceagents/me/gitsshkey")
                    .then()
                    .statusCode(200)
                    .body("public_key", startsWith("ecdsa-sha2-nistp256 "));

            Vertx vertx = Vertx.vertx();
            try (BusSender sender = new BusSender(vertx, stack.redis.url(), stack.keyPrefix)) {
                BusSender.Outcome outcome = sender.send(uuid, "/ping", REACH);
                assertNull(outcome.failure());
                assertEquals(200, outcome.response().getStatus());
                assertEquals("OK", outcome.response().getBody().toStringUtf8());
            } finally {
                vertx.close();
            }
        }

        // The key is used up: a restarted agent must come back with the identity it kept.
        try (ServiceProcess agent = ServiceProcess.start("agent", "agent-restarted", config)) {
            assertEquals(uuid, Fleets.awaitOnlyDeviceOnline(stack, token, appId, REACH));
        }
        given().auth()
                .oauth2(token)
                .queryParam("appId", appId)
                .get(stack.registryA.url() + "/devices")
                .then()
                .body("devices.size()", org.hamcrest.Matchers.equalTo(1))
                .body("devices[0].name", org.hamcrest.Matchers.equalTo("bench-arm"));
    }
}
