package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code POST /supervisor/<url>} end to end: two real agent processes (host control recording, never real) in one
 * fleet, one held by each coordinator replica, each running the fleet's one-service release; the owner calls a
 * registry replica as the specs' examples and balena-sdk do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisorProxyIT {

    private static final Duration REACH = Duration.ofSeconds(30);
    private static final String FLEET = "proxy-rigs";
    private static final Stack stack = Stack.get();

    /** One agent process and the device it is. */
    record Rig(ServiceProcess process, Path stateDir, String uuid, long deviceId) {}

    private static String token;
    private static long appId;
    private static long otherAppId;
    private static String serviceUuid;
    private static Rig first;
    private static Rig second;

    @BeforeAll
    static void twoAgentsRunTheFleetsRelease() throws Exception {
        token = Accounts.newUserToken(stack);
        Fleets fleet = Fleets.create(stack, token, FLEET, 2);
        appId = fleet.appId();
        // GET/POST /fleets has a small allowance on this stack (RateLimitIT): five calls in all here.
        otherAppId = owner().body(Map.of("name", "proxy-elsewhere"))
                .post(stack.registryA.url() + "/fleets")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getLong("appId");
        var release = owner().body(Map.of(
                        "commit",
                        "414e65cd378a69a96f403b75f14b40b55856f860",
                        "services",
                        List.of(Map.of(
                                "name",
                                "main",
                                "command",
                                List.of("sleep", "600"),
                                "environment",
                                Map.of("FOO", "bar")))))
                .post(stack.registryA.url() + "/fleets/" + appId + "/releases")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        long releaseId = release.getLong("releaseId");
        serviceUuid = release.getString("services[0].uuid");
        owner().body(Map.of("releaseId", releaseId))
                .put(stack.registryA.url() + "/fleets/" + appId + "/target-release")
                .then()
                .statusCode(200);

        first = startAgent("agent-proxy-first", stack.coordinatorA, fleet.provisioningKey());
        second = startAgent("agent-proxy-second", stack.coordinatorB, fleet.provisioningKey());
        for (Rig rig : List.of(first, second)) {
            await().atMost(REACH)
                    .ignoreExceptions()
                    .until(() -> "Running"
                            .equals(proxy("/v2/applications/state", Map.of("uuid", rig.uuid, "method", "GET"))
                                    .extract()
                                    .path(FLEET + ".services.main.status")));
        }
    }

    @AfterAll
    static void stopTheAgents() {
        for (Rig rig : new Rig[] {first, second}) {
            if (rig != null && rig.process.isAlive()) {
                rig.process.resume();
                rig.process.close();
            }
        }
    }

    private static Rig startAgent(String name, ServiceProcess coordinator, String provisioningKey) throws Exception {
        Path stateDir = Files.createTempDirectory("rigfleet-agent");
        ServiceProcess process = ServiceProcess.start(
                "agent",
                name,
                Map.of(
                        "rigfleet.agent.servers", coordinator.url(),
                        "rigfleet.agent.provisioning-url", stack.registryA.url(),
                        "rigfleet.agent.provisioning-key", provisioningKey,
                        "rigfleet.agent.name", name,
                        "rigfleet.agent.state-dir", stateDir.toString(),
                        "rigfleet.agent.iofog-port", "0",
                        "rigfleet.agent.iofog-key-file",
                                stateDir.resolve("local-api").toString()));
        await().atMost(REACH).until(() -> Files.exists(stateDir.resolve("identity.json")));
        var identity =
                new ObjectMapper().readTree(stateDir.resolve("identity.json").toFile());
        String uuid = identity.path("uuid").asText();
        await().atMost(REACH)
                .until(() -> Boolean.TRUE.equals(owner().get(stack.registryA.url() + "/devices/" + uuid)
                        .then()
                        .extract()
                        .path("online")));
        return new Rig(process, stateDir, uuid, identity.path("deviceId").asLong());
    }

    private static io.restassured.specification.RequestSpecification owner() {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static ValidatableResponse proxy(String url, Object body) {
        return owner().body(body)
                .post(stack.registryA.url() + "/supervisor" + url)
                .then();
    }

    private static ValidatableResponse proxyRaw(String url, String body) {
        return owner().body(body)
                .post(stack.registryA.url() + "/supervisor" + url)
                .then();
    }

    /** The devices the audit row of this answered call lists, once written (moments after the answer). */
    private static List<String> auditedDevices(ValidatableResponse answered) {
        String requestId = answered.extract().header("X-Request-Id");
        return await().atMost(REACH)
                .until(
                        () -> owner().get(stack.registryA.url() + "/supervisor-commands")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .<String>getList("commands.find { it.request_id == '" + requestId + "' }.devices.uuid"),
                        java.util.Objects::nonNull);
    }

    @Test
    @Order(1)
    void pingByUuidAndByDeviceIdAndAPairReachesThatDeviceOnly() {
        proxy("/ping", Map.of("uuid", first.uuid, "method", "GET"))
                .statusCode(200)
                .contentType(startsWith("text/plain"))
                .body(equalTo("OK"));
        ValidatableResponse byDeviceId = proxy("/ping", Map.of("deviceId", second.deviceId, "method", "GET"))
                .statusCode(200)
                .body(equalTo("OK"));
        assertEquals(List.of(second.uuid), auditedDevices(byDeviceId));

        ValidatableResponse byDeviceAndFleet = proxy(
                        "/v1/device", Map.of("deviceId", first.deviceId, "appId", appId, "method", "GET"))
                .statusCode(200)
                .body("supervisor_version", notNullValue());
        assertEquals(List.of(first.uuid), auditedDevices(byDeviceAndFleet));
        proxy("/v1/device", Map.of("deviceId", first.deviceId, "appId", otherAppId, "method", "GET"))
                .statusCode(404)
                .body("error_message", equalTo("No online device(s) found"));
    }

    @Test
    @Order(2)
    void restartByAppIdAloneReachesBothAndAnswersBothIn207() {
        proxy("/v1/restart", Map.of("appId", appId, "data", Map.of("appId", appId)))
                .statusCode(207)
                .body("$", hasSize(2))
                .body("uuid", containsInAnyOrder(first.uuid, second.uuid))
                .body("statusCode", containsInAnyOrder(200, 200))
                .body("body", containsInAnyOrder("OK", "OK"));

        await().atMost(REACH)
                .untilAsserted(() -> owner().get(stack.registryA.url() + "/supervisor-commands")
                        .then()
                        .body("commands[0].url", equalTo("/v1/restart"))
                        .body("commands[0].devices.outcome", containsInAnyOrder("answered", "answered")));
    }

    @Test
    @Order(3)
    void aLockedDeviceRefusesRebootUntilForced() throws Exception {
        Path lock = first.stateDir.resolve("apps").resolve(serviceUuid).resolve("lock");
        Files.createDirectories(lock);
        Files.writeString(lock.resolve("updates.lock"), "");
        try {
            proxy("/v1/reboot", Map.of("uuid", first.uuid)).statusCode(423);
            // balena-sdk's reboot body: {deviceId, data: {force}}; its "locked" error needs this 423.
            proxy("/v1/reboot", Map.of("deviceId", first.deviceId, "data", Map.of("force", false)))
                    .statusCode(423);
            assertTrue(Files.exists(lock.resolve("updates.lock")), "a refused reboot leaves the app's lock");

            proxy("/v1/reboot", Map.of("uuid", first.uuid, "data", Map.of("force", true)))
                    .statusCode(202)
                    .body("Data", equalTo("OK"))
                    .body("Error", equalTo(""));
        } finally {
            Files.deleteIfExists(lock.resolve("updates.lock"));
        }
    }

    @Test
    @Order(4)
    void aFrozenDeviceTimesOutWithoutHoldingUpTheOther() {
        second.process.pause();
        try {
            long started = System.nanoTime();
            proxy("/v1/blink", Map.of("appId", appId))
                    .statusCode(207)
                    .body("find { it.uuid == '" + first.uuid + "' }.statusCode", equalTo(200))
                    .body("find { it.uuid == '" + second.uuid + "' }.statusCode", equalTo(504))
                    .body("find { it.uuid == '" + second.uuid + "' }.body.error", equalTo("device_timed_out"));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(took.compareTo(Stack.PROXY_TIMEOUT.plusSeconds(10)) < 0, "bounded by the time-out: " + took);
        } finally {
            second.process.resume();
        }
        await().atMost(REACH)
                .untilAsserted(() -> proxy("/ping", Map.of("uuid", second.uuid, "method", "GET"))
                        .statusCode(200));
    }

    @Test
    @Order(5)
    void anotherUserFindsNothingAndARevokedTokenIsRefused() {
        String stranger = Accounts.newUserToken(stack);
        for (Map<String, Object> body :
                List.of(Map.<String, Object>of("uuid", first.uuid), Map.<String, Object>of("appId", appId))) {
            given().auth()
                    .oauth2(stranger)
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post(stack.registryB.url() + "/supervisor/v1/reboot")
                    .then()
                    .statusCode(404)
                    .body("error_message", equalTo("No online device(s) found"));
        }

        given().auth()
                .oauth2(stranger)
                .post(stack.workspaces.url() + "/revoke/" + Accounts.sha256(stranger))
                .then()
                .statusCode(200);
        await().atMost(REACH)
                .untilAsserted(() -> given().auth()
                        .oauth2(stranger)
                        .contentType(ContentType.JSON)
                        .body(Map.of("uuid", first.uuid))
                        .post(stack.registryB.url() + "/supervisor/v1/reboot")
                        .then()
                        .statusCode(401));
    }

    /** Every "Remotely via the API proxy" example of supervisor-api-balena.md, with uuid as the examples use. */
    @Test
    @Order(6)
    void theBalenaSpecsProxyExamples() {
        String uuid = "\"" + first.uuid + "\"";
        proxyRaw("/ping", "{\"uuid\": " + uuid + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body(equalTo("OK"));
        proxyRaw("/v1/blink", "{\"uuid\": " + uuid + "}").statusCode(200).body(emptyString());
        proxyRaw("/v1/update", "{\"uuid\": " + uuid + ", \"data\": {\"force\": true}}")
                .statusCode(204)
                .body(emptyString());
        for (String url : List.of("/v1/reboot", "/v1/shutdown")) {
            proxyRaw(url, "{\"uuid\": " + uuid + "}")
                    .statusCode(202)
                    .body("Data", equalTo("OK"))
                    .body("Error", equalTo(""));
        }
        proxyRaw("/v1/purge", "{\"uuid\": " + uuid + ", \"data\": {\"appId\": " + appId + "}}")
                .statusCode(200)
                .body("Data", equalTo("OK"))
                .body("Error", equalTo(""));
        proxyRaw("/v1/restart", "{\"uuid\": " + uuid + ", \"data\": {\"appId\": " + appId + "}}")
                .statusCode(200)
                .body(equalTo("OK"));
        proxyRaw("/v1/regenerate-api-key", "{\"uuid\": " + uuid + "}")
                .statusCode(200)
                .body(matchesPattern("[0-9a-f]{64}"));
        proxyRaw("/v1/device", "{\"uuid\": " + uuid + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body("$", hasKey("api_port"))
                .body("commit", equalTo("414e65cd378a69a96f403b75f14b40b55856f860"))
                .body("update_pending", equalTo(false));
        proxyRaw("/v1/apps/" + appId + "/stop", "{\"uuid\": " + uuid + "}")
                .statusCode(200)
                .body("$", hasKey("containerId"));
        proxyRaw("/v1/apps/" + appId + "/start", "{\"uuid\": " + uuid + "}")
                .statusCode(200)
                .body("$", hasKey("containerId"));
        proxyRaw("/v1/apps/" + appId, "{\"uuid\": " + uuid + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body("appId", equalTo((int) appId))
                .body("env.FOO", equalTo("bar"));
        proxyRaw("/v1/healthy", "{\"uuid\": " + uuid + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body(emptyString());
        proxyRaw(
                        "/v1/device/host-config",
                        "{\"uuid\": " + uuid
                                + ", \"method\": \"PATCH\", \"data\": {\"network\": {\"hostname\": \"newhostname\"}}}")
                .statusCode(200)
                .body(equalTo("OK"));
        proxyRaw("/v1/device/host-config", "{\"uuid\": " + uuid + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body("network.hostname", equalTo("newhostname"));
    }

    /** Every "Remotely via the API proxy" example of supervisor-api-v1-resin.txt, with its {deviceId, appId}. */
    @Test
    @Order(7)
    void theResinSpecsProxyExamples() {
        String ids = "\"deviceId\": " + second.deviceId + ", \"appId\": " + appId;
        String appData = ", \"data\": {\"appId\": " + appId + "}";
        proxyRaw("/ping", "{" + ids + ", \"method\": \"GET\"}").statusCode(200).body(equalTo("OK"));
        proxyRaw("/v1/blink", "{" + ids + "}").statusCode(200).body(emptyString());
        // Verbatim, the stray quote after the body included.
        proxyRaw("/v1/update", "{" + ids + ", \"data\": {\"force\": true}}\"").statusCode(204);
        proxyRaw("/v1/spawn-tty", "{" + ids + appData + "}")
                .statusCode(200)
                .body(equalTo(stack.coordinatorB.url().replace("http://", "ws://") + "/api/v2/workspaceagents/"
                        + second.uuid + "/pty"));
        proxyRaw("/v1/despawn-tty", "{" + ids + appData + "}").statusCode(200).body(emptyString());
        for (String url : List.of("/v1/reboot", "/v1/shutdown")) {
            proxyRaw(url, "{" + ids + "}").statusCode(202).body("Data", equalTo("OK"));
        }
        proxyRaw("/v1/purge", "{" + ids + appData + "}").statusCode(200).body("Data", equalTo("OK"));
        proxyRaw("/v1/restart", "{" + ids + appData + "}").statusCode(200).body(equalTo("OK"));
        proxyRaw("/v1/tcp-ping", "{" + ids + "}").statusCode(204).body(emptyString());
        proxyRaw("/v1/tcp-ping", "{" + ids + ", \"method\": \"DELETE\"}")
                .statusCode(204)
                .body(emptyString());
        proxyRaw("/v1/regenerate-api-key", "{" + ids + "}").statusCode(200).body(matchesPattern("[0-9a-f]{64}"));
        proxyRaw("/v1/device", "{" + ids + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body("$", hasKey("supervisor_version"));
        proxyRaw("/v1/apps/" + appId + "/stop", "{" + ids + "}").statusCode(200);
        proxyRaw("/v1/apps/" + appId + "/start", "{" + ids + appData + "}").statusCode(200);
        proxyRaw("/v1/apps/" + appId, "{" + ids + ", \"method\": \"GET\"}")
                .statusCode(200)
                .body("commit", equalTo("414e65cd378a69a96f403b75f14b40b55856f860"));
    }

    /** The bodies balena-sdk's device and application models send, as supervisor_version 7.0.0 makes it send them. */
    @Test
    @Order(8)
    void balenaSdkBodies() {
        proxy("/ping", Map.of("method", "GET", "deviceId", first.deviceId, "appId", appId))
                .statusCode(200);
        proxy("/v1/blink", Map.of("uuid", first.uuid)).statusCode(200);
        proxy("/v1/restart", Map.of("deviceId", first.deviceId, "appId", appId, "data", Map.of("appId", appId)))
                .statusCode(200)
                .body(equalTo("OK"));
        proxy("/v1/reboot", Map.of("deviceId", first.deviceId, "data", Map.of("force", false)))
                .statusCode(202);
        proxy("/v1/shutdown", Map.of("deviceId", first.deviceId, "appId", appId, "data", Map.of("force", false)))
                .statusCode(202);
        proxy("/v1/purge", Map.of("deviceId", first.deviceId, "appId", appId, "data", Map.of("appId", appId)))
                .statusCode(200);
        proxy("/v1/update", Map.of("deviceId", first.deviceId, "appId", appId, "data", Map.of("force", false)))
                .statusCode(204);
        proxy("/v1/device", Map.of("uuid", first.uuid, "method", "GET")).statusCode(200);
        // The application model: every device of the fleet; purge sends its appId as a string.
        proxy("/v1/purge", Map.of("appId", appId, "data", Map.of("appId", String.valueOf(appId))))
                .statusCode(207)
                .body("statusCode", containsInAnyOrder(200, 200));
        for (String url : List.of("/v1/shutdown", "/v1/reboot")) {
            proxy(url, Map.of("appId", appId, "data", Map.of("force", false)))
                    .statusCode(207)
                    .body("statusCode", containsInAnyOrder(202, 202));
        }
    }

    /**
     * The real balena-sdk, unchanged, through the entry point: it finds the device with balena's OData API, then
     * proxies each command; a stranger's token finds no device. Its reboot reaches the recording host control.
     */
    @Test
    @Order(9)
    void balenaSdkItselfWorksUnchanged() throws Exception {
        Instant rebootAsked;
        try (EntryProxy entry = EntryProxy.start(
                "balena-sdk",
                stack.workspaces.url(),
                "http://127.0.0.1:" + Ports.free(),
                stack.registryA.url(),
                stack.coordinatorA.url())) {
            Map<String, JsonNode> calls = BalenaSdk.run(Map.of(
                    "RIGFLEET_URL",
                    entry.url(),
                    "OWNER_TOKEN",
                    token,
                    "STRANGER_TOKEN",
                    Accounts.newUserToken(stack),
                    "DEVICE_UUID",
                    first.uuid,
                    "FLEET_ID",
                    String.valueOf(appId)));

            for (String call : List.of(
                    "whoami",
                    "get",
                    "isOnline",
                    "getAllByApplication",
                    "ping",
                    "identify",
                    "getSupervisorState",
                    "update",
                    "reboot",
                    "restartApplication",
                    "refreshToken")) {
                assertTrue(calls.get(call).path("ok").asBoolean(), call + ": " + calls.get(call));
            }
            assertTrue(calls.get("whoami").path("result").asText().startsWith("e2e-"), calls.toString());
            assertEquals("agent-proxy-first", calls.get("get").path("result").asText());
            assertTrue(calls.get("isOnline").path("result").asBoolean());
            assertEquals(
                    Stream.of(first.uuid, second.uuid).sorted().toList(),
                    new ObjectMapper()
                            .convertValue(calls.get("getAllByApplication").path("result"), List.class));
            JsonNode state = calls.get("getSupervisorState").path("result");
            assertEquals(
                    "414e65cd378a69a96f403b75f14b40b55856f860",
                    state.path("commit").asText(),
                    state.toString());
            assertEquals("OK", calls.get("restartApplication").path("result").asText());
            assertEquals(
                    Map.of("fresh", true, "held", true),
                    new ObjectMapper().convertValue(calls.get("refreshToken").path("result"), Map.class));
            rebootAsked = Instant.ofEpochMilli(
                    calls.get("reboot").path("result").path("asked").asLong());
            for (String call : List.of("strangerPing", "strangerReboot")) {
                assertFalse(calls.get(call).path("ok").asBoolean(), call + ": " + calls.get(call));
                assertEquals(
                        "BalenaDeviceNotFound", calls.get(call).path("code").asText(), calls.toString());
            }
        }
        // The agent acts a moment after it answers (so that the answer gets out): earlier tests' reboots may land
        // while this one runs, so this one is told apart by its time.
        Path agentLog = Stack.LOGS.resolve("agent-proxy-first.log");
        await().atMost(REACH).until(() -> recordedReboots(agentLog).stream().anyMatch(at -> !at.isBefore(rebootAsked)));
    }

    /** When the agent's recording host control logged each reboot. */
    private static List<Instant> recordedReboots(Path agentLog) throws IOException {
        DateTimeFormatter logTime = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
        return Files.readAllLines(agentLog).stream()
                .filter(line -> line.contains("recording only") && line.contains("would reboot"))
                .map(line -> LocalDateTime.parse(line.substring(0, 23), logTime)
                        .atZone(ZoneId.systemDefault())
                        .toInstant())
                .toList();
    }

    @Test
    @Order(10)
    void anOfflineDeviceIsNotFoundAndAFleetAnswersWithWhoIsOnline() {
        second.process.close();
        await().atMost(Duration.ofSeconds(90))
                .until(() -> Boolean.FALSE.equals(owner().get(stack.registryA.url() + "/devices/" + second.uuid)
                        .then()
                        .extract()
                        .path("online")));

        proxy("/ping", Map.of("uuid", second.uuid, "method", "GET"))
                .statusCode(404)
                .body("error_message", equalTo("No online device(s) found"));
        // One device online: its own answer, not a 207 list.
        ValidatableResponse fleet = proxy("/ping", Map.of("appId", appId, "method", "GET"))
                .statusCode(200)
                .body(equalTo("OK"));
        assertEquals(List.of(first.uuid), auditedDevices(fleet));
    }
}
