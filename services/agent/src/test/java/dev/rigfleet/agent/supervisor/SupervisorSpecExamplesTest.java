package dev.rigfleet.agent.supervisor;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.device.DeviceStreams;
import dev.rigfleet.agent.link.DeviceEndpoint;
import dev.rigfleet.proto.agent.PtyTarget;
import dev.rigfleet.proto.agent.StreamOpen;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every "From the app on the device" example of both supervisor specs (supervisor-api-balena.md and
 * supervisor-api-v1-resin.txt), as their curl commands send it — {@code Content-Type: application/json} and the
 * key as {@code apikey} — against a running agent with one single-service app, checking status and body shape.
 * Where the two specs differ, the newer (balena) answer is checked.
 */
@QuarkusTest
@TestProfile(SupervisorSpecExamplesTest.EnrolledDevice.class)
class SupervisorSpecExamplesTest {

    private static final long APP_ID = 2167;
    private static final String UUID = "0123456789abcdef0123456789abcdef";

    /**
     * A device with an identity and a platform to dial (unreachable here), so that spawn-tty has an answer, and
     * terminal sessions as the user running the tests (root too, named explicitly).
     */
    public static class EnrolledDevice implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path state = Files.createTempDirectory("rigfleet-agent-spec");
                Files.writeString(
                        state.resolve("identity.json"),
                        "{\"uuid\":\"" + UUID + "\",\"deviceId\":4,\"appId\":" + APP_ID
                                + ",\"name\":\"spec-rig\",\"credential\":\"00\"}");
                return Map.of(
                        "rigfleet.agent.state-dir", state.toString(),
                        "rigfleet.agent.servers", "http://127.0.0.1:9",
                        "rigfleet.agent.session-user", System.getProperty("user.name"),
                        // The update locks' base: a directory of the test's own, never the machine's /tmp/balena.
                        "rigfleet.agent.lock-dir", state.resolve("balena-locks").toString(),
                        "rigfleet.agent.iofog-key-file",
                                state.resolve("local-api").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    SupervisorKey key;

    @Inject
    DeviceStreams streams;

    @Inject
    AgentConfig config;

    @BeforeEach
    void oneApp() {
        device().body("{\"appId\":" + APP_ID + ",\"fleet\":\"superapp\",\"release\":{\"releaseId\":557617,"
                        + "\"commit\":\"414e65cd378a69a96f403b75f14b40b55856f860\",\"services\":[{\"uuid\":"
                        + "\"7f3c6a1e-2b4d-4e8f-9a0b-1c2d3e4f5a6b\",\"name\":\"main\",\"command\":[\"sleep\","
                        + "\"600\"],\"environment\":{\"FOO\":\"bar\"}}]}}")
                .post("/v2/local/target-state")
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> device().get("/v2/applications/state")
                        .path("superapp.services.main.status")
                        .equals("Running"));
    }

    /** As the examples call: JSON content type, the key in the query. */
    private RequestSpecification device() {
        return given().contentType(ContentType.JSON).queryParam("apikey", key.current());
    }

    @Test
    void balenaDeviceAndAppExamples() {
        device().get("/ping").then().statusCode(200).body(equalTo("OK"));
        device().post("/v1/blink").then().statusCode(200).body(emptyString());
        device().body("{\"force\": true}")
                .post("/v1/update")
                .then()
                .statusCode(204)
                .body(emptyString());
        device().post("/v1/reboot")
                .then()
                .statusCode(202)
                .body("Data", equalTo("OK"))
                .body("Error", equalTo(""));
        device().post("/v1/shutdown")
                .then()
                .statusCode(202)
                .body("Data", equalTo("OK"))
                .body("Error", equalTo(""));
        device().body("{\"appId\": " + APP_ID + "}")
                .post("/v1/purge")
                .then()
                .statusCode(200)
                .body("Data", equalTo("OK"))
                .body("Error", equalTo(""));
        device().body("{\"appId\": " + APP_ID + "}")
                .post("/v1/restart")
                .then()
                .statusCode(200)
                .body(equalTo("OK"));
        device().get("/v1/device")
                .then()
                .statusCode(200)
                .body("$", hasKey("api_port"))
                .body("$", hasKey("ip_address"))
                .body("commit", equalTo("414e65cd378a69a96f403b75f14b40b55856f860"))
                .body("status", notNullValue())
                .body("$", hasKey("download_progress"))
                .body("os_version", notNullValue())
                .body("supervisor_version", notNullValue())
                .body("update_pending", equalTo(false))
                .body("update_downloaded", equalTo(false))
                .body("update_failed", equalTo(false));
        device().post("/v1/apps/" + APP_ID + "/stop").then().statusCode(200).body("$", hasKey("containerId"));
        device().post("/v1/apps/" + APP_ID + "/start").then().statusCode(200).body("$", hasKey("containerId"));
        device().get("/v1/apps/" + APP_ID)
                .then()
                .statusCode(200)
                .body("appId", equalTo((int) APP_ID))
                .body("commit", equalTo("414e65cd378a69a96f403b75f14b40b55856f860"))
                .body("$", hasKey("imageId"))
                .body("$", hasKey("containerId"))
                .body("env.FOO", equalTo("bar"));
        given().get("/v1/healthy").then().statusCode(200).body(emptyString());
        device().body("{\"network\": {\"hostname\": \"newhostname\"}}")
                .patch("/v1/device/host-config")
                .then()
                .statusCode(200)
                .body(equalTo("OK"));
        device().get("/v1/device/host-config")
                .then()
                .statusCode(200)
                .body("network.hostname", equalTo("newhostname"))
                .body("network", hasKey("proxy"));
        device().get("/v2/applications/state")
                .then()
                .statusCode(200)
                .body("superapp.appId", equalTo((int) APP_ID))
                .body("superapp.commit", notNullValue())
                .body("superapp.services.main.status", notNullValue())
                .body("superapp.services.main.releaseId", equalTo(557617))
                .body("superapp.services.main", hasKey("downloadProgress"));
    }

    @Test
    void resinOnlyExamples() {
        device().body("{\"appId\": " + APP_ID + "}")
                .post("/v1/spawn-tty")
                .then()
                .statusCode(200)
                .body(equalTo("ws://127.0.0.1:9/api/v2/workspaceagents/" + UUID + "/pty"));
        device().body("{\"appId\": " + APP_ID + "}")
                .post("/v1/despawn-tty")
                .then()
                .statusCode(200)
                .body(emptyString());
        device().post("/v1/tcp-ping").then().statusCode(204).body(emptyString());
        device().delete("/v1/tcp-ping").then().statusCode(204).body(emptyString());
    }

    @Test
    void despawnTtyEndsTheTerminalSessionsOnTheDevice() throws Exception {
        CompletableFuture<String> ended = new CompletableFuture<>();
        DeviceEndpoint.Output terminal = new DeviceEndpoint.Output() {
            @Override
            public void data(Buffer bytes) {}

            @Override
            public void closed(String reason) {
                ended.complete(reason);
            }
        };
        streams.open(
                        StreamOpen.newBuilder()
                                .setStreamId("despawn-1")
                                .setPty(PtyTarget.newBuilder()
                                        .setReconnect("despawn")
                                        .setCommand("sleep 600"))
                                .build(),
                        terminal)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        device().body("{\"appId\": " + APP_ID + "}")
                .post("/v1/despawn-tty")
                .then()
                .statusCode(200)
                .body(emptyString());

        String reason = ended.get(10, TimeUnit.SECONDS);
        assertTrue(reason.startsWith("the session ended"), reason);
    }

    @Test
    void regenerateApiKeyExample() {
        device().post("/v1/regenerate-api-key").then().statusCode(200).body(matchesPattern("[0-9a-f]{64}"));
    }

    /** With {@code lock-dir} set, each service's lock is under it, told in the reference's variables, and honoured. */
    @Test
    void theLockIsUnderTheConfiguredBaseAndHandedOverInTheReferencesVariables() throws Exception {
        String service = "7f3c6a1e-2b4d-4e8f-9a0b-1c2d3e4f5a6b";
        device().body("{\"appId\":" + APP_ID + ",\"fleet\":\"superapp\",\"release\":{\"releaseId\":557618,"
                        + "\"commit\":\"env\",\"services\":[{\"uuid\":\"" + service + "\",\"name\":\"main\","
                        + "\"command\":[\"/bin/sh\",\"-c\",\"env > environment; exec sleep 600\"]}]}}")
                .post("/v2/local/target-state")
                .then()
                .statusCode(200);
        Path environmentFile =
                config.stateDir().resolve("apps").resolve(service).resolve("data/environment");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(environmentFile));
        Path lock = config.lockDir().orElseThrow().resolve(service).resolve("updates.lock");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.readString(environmentFile).contains("RESIN_APP_LOCK_PATH=" + lock));
        String environment = Files.readString(environmentFile);
        assertTrue(environment.contains("BALENA_APP_LOCK_PATH=" + lock), environment);
        Files.writeString(lock, "");
        try {
            device().post("/v1/reboot").then().statusCode(423);
            Files.delete(lock);
            Files.writeString(config.lockDir().orElseThrow().resolve(service).resolve("resin-updates.lock"), "");
            device().post("/v1/shutdown").then().statusCode(423);
        } finally {
            Files.deleteIfExists(lock);
            Files.deleteIfExists(config.lockDir().orElseThrow().resolve(service).resolve("resin-updates.lock"));
        }
    }
}
