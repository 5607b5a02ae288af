package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class AgentResourceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    private static String dashed(String hex) {
        return hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5");
    }

    /** A device its owner can see in the registry stand-in; answers {uuid, owner token, app uuid}. */
    private static String[] ownedDevice(boolean online, String firstSeen, String lastSeen) {
        return ownedDevice(online, firstSeen, lastSeen, "2026-11-01T10:00:00Z");
    }

    private static String[] ownedDevice(boolean online, String firstSeen, String lastSeen, String createdAt) {
        String uuid = UUID.randomUUID().toString().replace("-", "");
        String owner = UUID.randomUUID().toString();
        String token = TestTokens.user(owner, "user");
        String app = UUID.randomUUID().toString();
        RegistryStub.setService(uuid, app, "camera");
        RegistryStub.ownerView(
                uuid,
                token,
                String.format(
                        "{\"uuid\":\"%s\",\"deviceId\":3,\"name\":\"arm-3\",\"appId\":1,\"owner\":\"%s\",\"online\":%s,"
                                + "\"first_seen\":%s,\"last_seen\":%s,\"created_at\":\"%s\","
                                + "\"reported_state\":{\"lifecycle_state\":\"ready\",\"operating_system\":\"linux\"},"
                                + "\"cloud_identity\":{\"provider\":\"aws\",\"instance_id\":\"i-0abc\"}}",
                        uuid,
                        owner,
                        online,
                        firstSeen == null ? "null" : "\"" + firstSeen + "\"",
                        lastSeen == null ? "null" : "\"" + lastSeen + "\"",
                        createdAt));
        return new String[] {uuid, token, app};
    }

    @Test
    void theOwnerSeesTheAgentByDashedOrHexId() {
        String[] device = ownedDevice(true, "2026-11-01T10:05:00Z", "2026-11-23T07:00:00Z");
        for (String id : List.of(dashed(device[0]), device[0])) {
            given().auth()
                    .oauth2(device[1])
                    .get("/api/v2/workspaceagents/" + id)
                    .then()
                    .statusCode(200)
                    .body("id", equalTo(dashed(device[0])))
                    .body("name", equalTo("arm-3"))
                    .body("status", equalTo("connected"))
                    .body("lifecycle_state", equalTo("ready"))
                    .body("operating_system", equalTo("linux"))
                    .body("instance_id", equalTo("i-0abc"))
                    .body("first_connected_at", equalTo("2026-11-01T10:05:00Z"))
                    .body("disconnected_at", nullValue())
                    .body("apps[0].id", equalTo(device[2]))
                    .body("environment_variables", equalTo(Map.of("LAB", "north")))
                    .body("connection_timeout_seconds", equalTo(120));
        }
        given().auth()
                .oauth2(device[1])
                .get("/api/v2/workspaceagents/" + device[0] + "/connection")
                .then()
                .statusCode(200)
                .body("derp_map.regions", equalTo(Map.of()));
    }

    @Test
    void theOwnerMayPresentTheTokenAsCodersClientsDo() {
        String[] device = ownedDevice(true, "2026-11-01T10:05:00Z", "2026-11-23T07:00:00Z");
        given().header("Coder-Session-Token", device[1])
                .get("/api/v2/workspaceagents/" + device[0])
                .then()
                .statusCode(200)
                .body("id", equalTo(dashed(device[0])))
                .body("environment_variables", equalTo(Map.of("LAB", "north")));
        given().header("Coder-Session-Token", device[1])
                .get("/api/v2/workspaceagents/" + device[0] + "/connection")
                .then()
                .statusCode(200)
                .body("derp_map.regions", equalTo(Map.of()));
        given().header("Coder-Session-Token", TestTokens.user(UUID.randomUUID().toString(), "user"))
                .get("/api/v2/workspaceagents/" + device[0])
                .then()
                .statusCode(404)
                .body("error_message", equalTo("no agent " + device[0]));
        given().header(
                        "Coder-Session-Token",
                        TestTokens.expired(UUID.randomUUID().toString()))
                .get("/api/v2/workspaceagents/" + device[0])
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void statusFollowsTheConnectionHistory() {
        String[] disconnected = ownedDevice(false, "2026-11-01T10:05:00Z", "2026-11-20T09:00:00Z");
        given().auth()
                .oauth2(disconnected[1])
                .get("/api/v2/workspaceagents/" + disconnected[0])
                .then()
                .body("status", equalTo("disconnected"))
                .body("disconnected_at", equalTo("2026-11-20T09:00:00Z"));
        String[] neverSeen = ownedDevice(false, null, null);
        given().auth()
                .oauth2(neverSeen[1])
                .get("/api/v2/workspaceagents/" + neverSeen[0])
                .then()
                .body("status", equalTo("timeout"));
        String[] justEnrolled = ownedDevice(false, null, null, Instant.now().toString());
        given().auth()
                .oauth2(justEnrolled[1])
                .get("/api/v2/workspaceagents/" + justEnrolled[0])
                .then()
                .body("status", equalTo("connecting"));
    }

    @Test
    void anotherUsersOrAnUnknownOrMalformedIdIsNotFound() {
        String[] device = ownedDevice(true, "2026-11-01T10:05:00Z", "2026-11-23T07:00:00Z");
        String stranger = TestTokens.user(UUID.randomUUID().toString(), "user");
        for (String path : List.of(device[0], device[0] + "/connection", "0".repeat(32), "not-an-id")) {
            given().auth()
                    .oauth2(stranger)
                    .get("/api/v2/workspaceagents/" + path)
                    .then()
                    .statusCode(404);
        }
        given().get("/api/v2/workspaceagents/" + device[0]).then().statusCode(401);
    }

    @Test
    void listeningPortsAreAskedOfTheConnectedAgentAndLeaveOutWhatCodersLeaveOut() throws Exception {
        String[] device = ownedDevice(true, "2026-11-01T10:05:00Z", "2026-11-23T07:00:00Z");
        String credential = HexFormat.of().formatHex(SecureRandom.getSeed(32));
        RegistryStub.enrol(
                TokenHashes.sha256(credential),
                new RegistryStub.Device(device[0], 3, 1, UUID.randomUUID().toString()));
        // The registry last saw it online, but no agent holds a link: as good as offline.
        given().auth()
                .oauth2(device[1])
                .get("/api/v2/workspaceagents/" + device[0] + "/listening-ports")
                .then()
                .statusCode(428)
                .body("error", equalTo("precondition_required"))
                .body(
                        "error_message",
                        equalTo("Agent state is \"disconnected\", it must be in the \"connected\" state."));

        try (TestAgent agent = TestAgent.connect(vertx, base, credential)) {
            agent.hello(device[0]);
            agent.next(WAIT);
            agent.next(WAIT);
            // As Coder's clients send the token.
            var answer = CompletableFuture.supplyAsync(() -> given().header("Coder-Session-Token", device[1])
                    .get("/api/v2/workspaceagents/" + device[0] + "/listening-ports"));

            CommandRequest request = agent.next(WAIT).getCommandRequest();
            assertEquals("/rigfleet/v1/listening-ports", request.getPath());
            String ports = Stream.of(
                            "3 agent", "22 sshd", "3000 node", "5432 postgres", "6379 redis-server", "8080 nginx")
                    .map(port -> port.split(" "))
                    .map(port -> String.format(
                            "{\"network\":\"tcp\",\"port\":%s,\"process_name\":\"%s\"}", port[0], port[1]))
                    .collect(Collectors.joining(",", "{\"ports\":[", "]}"));
            agent.send(AgentFrame.newBuilder()
                    .setCommandResponse(CommandResponse.newBuilder()
                            .setCommandId(request.getCommandId())
                            .setStatus(200)
                            .setContentType("application/json")
                            .setBody(ByteString.copyFromUtf8(ports)))
                    .build());

            answer.get()
                    .then()
                    .statusCode(200)
                    .body("ports.port", equalTo(List.of(3000, 8080)))
                    .body("ports.process_name", equalTo(List.of("node", "nginx")))
                    .body("ports.network", equalTo(List.of("tcp", "tcp")));
        }
        given().auth()
                .oauth2(TestTokens.user(UUID.randomUUID().toString(), "user"))
                .get("/api/v2/workspaceagents/" + device[0] + "/listening-ports")
                .then()
                .statusCode(404);
    }

    @Test
    void anOfflineAgentsPortsAnswer428AsCodersDo() {
        String[] device = ownedDevice(false, "2026-11-01T10:05:00Z", "2026-11-20T09:00:00Z");
        given().header("Coder-Session-Token", device[1])
                .get("/api/v2/workspaceagents/" + device[0] + "/listening-ports")
                .then()
                .statusCode(428)
                .body("status", equalTo(428))
                .body(
                        "error_message",
                        equalTo("Agent state is \"disconnected\", it must be in the \"connected\" state."));
        String[] neverSeen = ownedDevice(false, null, null, Instant.now().toString());
        given().auth()
                .oauth2(neverSeen[1])
                .get("/api/v2/workspaceagents/" + neverSeen[0] + "/listening-ports")
                .then()
                .statusCode(428)
                .body(
                        "error_message",
                        equalTo("Agent state is \"connecting\", it must be in the \"connected\" state."));
    }
}
