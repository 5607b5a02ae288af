package dev.rigfleet.agent.supervisor;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.host.HostControl;
import dev.rigfleet.agent.host.RecordingHostControl;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor-compatible API on a running agent, with real local processes as the apps and the recording host
 * control: the key rules, the v1 and v2 endpoints, update locks, and bad input that changes nothing.
 */
@QuarkusTest
class SupervisorApiTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final long APP_ID = 7;

    @Inject
    SupervisorKey key;

    @Inject
    HostControl host;

    @Inject
    AgentConfig config;

    private String service;
    private Path appDir;

    @BeforeEach
    void runOneService() {
        service = UUID.randomUUID().toString();
        appDir = config.stateDir().resolve("apps").resolve(service);
        setTarget(1, target(3, "abc123", service));
        await().atMost(WAIT).until(() -> Files.exists(appDir.resolve("data/pid")));
    }

    @AfterEach
    void removeLocks() throws Exception {
        Files.deleteIfExists(appDir.resolve("lock/updates.lock"));
        Files.deleteIfExists(appDir.resolve("lock/resin-updates.lock"));
    }

    /** A target state of one fleet with these services, each writing its pid to its data folder and sleeping. */
    private static String target(long releaseId, String commit, String... services) {
        StringBuilder json = new StringBuilder("{\"appId\":" + APP_ID + ",\"fleet\":\"lab\",\"release\":{\"releaseId\":"
                + releaseId + ",\"commit\":\"" + commit + "\",\"services\":[");
        for (int i = 0; i < services.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"uuid\":\"")
                    .append(services[i])
                    .append("\",\"name\":\"main")
                    .append(i == 0 ? "" : Integer.toString(i))
                    .append("\",\"command\":[\"/bin/sh\",\"-c\",\"echo $$ > pid; exec sleep 600\"],")
                    .append("\"environment\":{\"FOO\":\"bar\"},\"restart\":\"always\"}");
        }
        return json.append("]}}").toString();
    }

    private RequestSpecification withKey() {
        return given().queryParam("apikey", key.current());
    }

    private void setTarget(int expectedStatus, String targetJson) {
        withKey()
                .contentType(ContentType.JSON)
                .body(targetJson)
                .post("/v2/local/target-state")
                .then()
                .statusCode(200);
    }

    private String pid() throws Exception {
        return Files.readString(appDir.resolve("data/pid")).trim();
    }

    private void lock() throws Exception {
        Files.writeString(appDir.resolve("lock/updates.lock"), "");
    }

    private List<String> hostActions() {
        return ((RecordingHostControl) ClientProxy.unwrap(host)).actions();
    }

    @Test
    void pingAndHealthyNeedNoKeyAndEverythingElseDoes() {
        given().get("/ping").then().statusCode(200).body(equalTo("OK"));
        given().get("/v1/healthy").then().statusCode(200).body(emptyString());
        given().get("/v1/device").then().statusCode(401).body(equalTo("Unauthorized"));
        given().queryParam("apikey", "wrong").get("/v1/device").then().statusCode(401);
        given().header("Authorization", "Bearer " + key.current())
                .get("/v1/device")
                .then()
                .statusCode(200);
        given().header("Authorization", "ApiKey " + key.current())
                .get("/v1/device")
                .then()
                .statusCode(200);
        // The query parameter wins over the header, either way round.
        given().queryParam("apikey", "wrong")
                .header("Authorization", "Bearer " + key.current())
                .get("/v1/device")
                .then()
                .statusCode(401);
        given().queryParam("apikey", key.current())
                .header("Authorization", "Bearer wrong")
                .get("/v1/device")
                .then()
                .statusCode(200);
    }

    @Test
    void aShutdownWithAWrongKeyDoesNothing() {
        int before = hostActions().size();
        given().queryParam("apikey", "wrong").post("/v1/shutdown").then().statusCode(401);
        given().post("/v1/reboot").then().statusCode(401);
        assertEquals(before, hostActions().size());
    }

    @Test
    void rebootAndShutdownAreAcceptedAndRecordedNeverPerformed() {
        int before = hostActions().size();
        withKey()
                .post("/v1/reboot")
                .then()
                .statusCode(202)
                .contentType(ContentType.JSON)
                .body("Data", equalTo("OK"))
                .body("Error", equalTo(""));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"force\":true}")
                .post("/v1/shutdown")
                .then()
                .statusCode(202)
                .body("Data", equalTo("OK"));
        await().atMost(WAIT).until(() -> hostActions().size() == before + 2);
        assertEquals(List.of("reboot", "shutdown"), hostActions().subList(before, before + 2));
        assertFalse(host.acts());
    }

    @Test
    void afterARecordedRebootTheAppsRunAgain() throws Exception {
        String pidBefore = pid();
        withKey().post("/v1/reboot").then().statusCode(202);
        await().atMost(WAIT).until(() -> !pid().equals(pidBefore));
        withKey().get("/v2/applications/state").then().body("lab.services.main.status", equalTo("Running"));
    }

    @Test
    void aLockedAppRefusesRebootShutdownRestartStopAndPurgeUnlessForced() throws Exception {
        lock();
        int before = hostActions().size();
        for (String operation : List.of("/v1/reboot", "/v1/shutdown")) {
            withKey()
                    .post(operation)
                    .then()
                    .statusCode(423)
                    .body("Data", equalTo(""))
                    .body("Error", containsString("locked"));
        }
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":" + APP_ID + "}")
                .post("/v1/restart")
                .then()
                .statusCode(423)
                .body("status", equalTo("failed"));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":" + APP_ID + "}")
                .post("/v1/purge")
                .then()
                .statusCode(423)
                .body("Data", equalTo(""));
        withKey().post("/v1/apps/" + APP_ID + "/stop").then().statusCode(423);
        assertEquals(before, hostActions().size());
        assertTrue(Files.exists(appDir.resolve("lock/updates.lock")), "the app's lock is left alone");

        String pidBefore = pid();
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":" + APP_ID + ",\"force\":true}")
                .post("/v1/restart")
                .then()
                .statusCode(200)
                .body(equalTo("OK"));
        await().atMost(WAIT).until(() -> !pid().equals(pidBefore));
        assertFalse(Files.exists(appDir.resolve("lock/updates.lock")), "force removed the app's lock");

        String beforeReboot = pid();
        lock();
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"force\":true}")
                .post("/v1/reboot")
                .then()
                .statusCode(202);
        await().atMost(WAIT).until(() -> hostActions().size() == before + 1);
        await().atMost(WAIT).until(() -> !pid().equals(beforeReboot)); // started again after the recorded reboot

        lock();
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":" + APP_ID + ",\"force\":true}")
                .post("/v1/purge")
                .then()
                .statusCode(200)
                .body("Data", equalTo("OK"));
        lock();
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"force\":true}")
                .post("/v1/apps/" + APP_ID + "/stop")
                .then()
                .statusCode(200)
                .body("containerId", startsWith("process-"));
        lock();
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"force\":true}")
                .post("/v1/shutdown")
                .then()
                .statusCode(202);
        await().atMost(WAIT).until(() -> hostActions().size() == before + 2);
        assertEquals("shutdown", hostActions().get(before + 1));
    }

    @Test
    void aLockedUpdateWaitsForTheLockAndThenApplies() throws Exception {
        lock();
        withKey()
                .contentType(ContentType.JSON)
                .body(target(4, "def456", service))
                .post("/v2/local/target-state")
                .then()
                .statusCode(200)
                .body("message", containsString("held back"));
        withKey().get("/v1/device").then().body("update_pending", equalTo(true)).body("commit", equalTo("abc123"));

        Files.delete(appDir.resolve("lock/updates.lock"));
        await().atMost(WAIT)
                .untilAsserted(() -> withKey()
                        .get("/v1/device")
                        .then()
                        .body("commit", equalTo("def456"))
                        .body("update_pending", equalTo(false)));
    }

    @Test
    void restartAndPurgeNeedTheAppId() throws Exception {
        String pidBefore = pid();
        withKey().post("/v1/restart").then().statusCode(400).body(equalTo("Missing app id"));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":\"seven\"}")
                .post("/v1/restart")
                .then()
                .statusCode(400)
                .body(equalTo("Missing app id"));
        withKey().post("/v1/purge").then().statusCode(400).body(equalTo("Invalid or missing appId"));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":99}")
                .post("/v1/purge")
                .then()
                .statusCode(404)
                .body("status", equalTo("failed"));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":")
                .post("/v1/restart")
                .then()
                .statusCode(400)
                .body("status", equalTo("failed"));
        assertEquals(pidBefore, pid(), "nothing was restarted");
    }

    @Test
    void purgeClearsTheDataFolderAndOnlyThat() throws Exception {
        Files.writeString(appDir.resolve("data/keep-me-not"), "x");
        Files.writeString(appDir.resolve("outside-data"), "x");
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":\"" + APP_ID + "\"}")
                .post("/v1/purge")
                .then()
                .statusCode(200)
                .body("Data", equalTo("OK"))
                .body("Error", equalTo(""));
        assertFalse(Files.exists(appDir.resolve("data/keep-me-not")));
        assertTrue(Files.exists(appDir.resolve("outside-data")));
        await().atMost(WAIT).until(() -> Files.exists(appDir.resolve("data/pid")));
    }

    @Test
    void theSingleContainerEndpointsStopStartAndDescribeTheApp() throws Exception {
        withKey()
                .get("/v1/apps/" + APP_ID)
                .then()
                .statusCode(200)
                .body("appId", equalTo((int) APP_ID))
                .body("commit", equalTo("abc123"))
                .body("releaseId", equalTo(3))
                .body("env.FOO", equalTo("bar"))
                .body("containerId", startsWith("process-"));
        String stopped = withKey()
                .post("/v1/apps/" + APP_ID + "/stop")
                .then()
                .statusCode(200)
                .body("containerId", startsWith("process-"))
                .extract()
                .path("containerId");
        withKey().get("/v2/applications/state").then().body("lab.services.main.status", equalTo("Stopped"));
        String started = withKey()
                .post("/v1/apps/" + APP_ID + "/start")
                .then()
                .statusCode(200)
                .extract()
                .path("containerId");
        assertNotEquals(stopped, started);
        withKey()
                .get("/v2/applications/state")
                .then()
                .body("lab.appId", equalTo((int) APP_ID))
                .body("lab.commit", equalTo("abc123"))
                .body("lab.services.main.status", equalTo("Running"))
                .body("lab.services.main.releaseId", equalTo(3))
                .body("lab.services.main.downloadProgress", nullValue());
        withKey().get("/v1/apps/99").then().statusCode(404);
        withKey().get("/v1/apps/lots").then().statusCode(400);

        setTarget(1, target(5, "two", service, UUID.randomUUID().toString()));
        withKey()
                .post("/v1/apps/" + APP_ID + "/stop")
                .then()
                .statusCode(400)
                .body(equalTo("Some v1 endpoints are only allowed on single-container apps"));
    }

    @Test
    void oneApplicationsStateIsKeyedByImageIdAndAnUnknownOneIsRefused() {
        withKey()
                .get("/v2/applications/" + APP_ID + "/state")
                .then()
                .statusCode(200)
                .body("commit", equalTo("abc123"))
                .body("local.'7'.services.'" + service + "'.status", equalTo("Running"))
                .body("local.'7'.services.'" + service + "'.releaseId", equalTo(3))
                .body("local.'7'.services.'" + service + "'", hasKey("download_progress"))
                .body("$", not(hasKey("dependent")));
        withKey().get("/v2/applications/8/state").then().statusCode(409).body("status", equalTo("failed"));
        withKey().get("/v2/applications/x/state").then().statusCode(400).body("status", equalTo("failed"));
    }

    @Test
    void theApplicationsStateHasTheFieldsOfSupervisorNineteen() {
        withKey()
                .get("/v2/applications/state")
                .then()
                .statusCode(200)
                .body("lab.appId", equalTo((int) APP_ID))
                .body("lab", hasKey("appUuid"))
                .body("lab.commit", equalTo("abc123"))
                .body("lab.updateStatus", equalTo("done"))
                .body("lab.services.main.status", equalTo("Running"))
                .body("lab.services.main.image", containsString("sleep 600"))
                .body("lab.services.main.releaseId", equalTo(3))
                .body("lab.services.main", hasKey("downloadProgress"));
    }

    @Test
    void theStateStatusIsServedAsHmDiagReadsIt() {
        withKey()
                .get("/v2/state/status")
                .then()
                .statusCode(200)
                .contentType(ContentType.JSON)
                .body("status", equalTo("success"))
                .body("appState", equalTo("applied"))
                .body("$", hasKey("overallDownloadProgress"))
                .body("release", equalTo("abc123"))
                .body("containers[0].serviceName", equalTo("main"))
                .body("containers[0].status", equalTo("Running"))
                .body("containers[0].appId", equalTo((int) APP_ID))
                .body("containers[0].containerId", startsWith("process-"))
                .body("images[0].serviceName", equalTo("main"))
                .body("images[0].status", equalTo("Downloaded"));
    }

    @Test
    void unknownRoutesAnswerInTheApisFailureShape() {
        for (String path : List.of("/v2/nothing", "/v1/apps/7/nothing", "/nothing")) {
            withKey()
                    .get(path)
                    .then()
                    .statusCode(404)
                    .contentType(ContentType.JSON)
                    .body("status", equalTo("failed"))
                    .body("message", notNullValue());
        }
    }

    @Test
    void aSingleServiceStartTakesNoLock() throws Exception {
        withKey().contentType(ContentType.JSON).body("{\"force\":true}").post("/v1/apps/" + APP_ID + "/stop");
        lock();
        withKey()
                .post("/v1/apps/" + APP_ID + "/start")
                .then()
                .statusCode(200)
                .body("containerId", startsWith("process-"));
        assertTrue(Files.exists(appDir.resolve("lock/updates.lock")), "the app's lock is left alone");
        withKey().get("/v2/applications/state").then().body("lab.services.main.status", equalTo("Running"));
    }

    @Test
    void theDeviceReportsItsStateAndSupervisorLevel() {
        withKey()
                .get("/v1/device")
                .then()
                .statusCode(200)
                .body("api_port", notNullValue())
                .body("commit", equalTo("abc123"))
                .body("status", equalTo("Idle"))
                .body("supervisor_version", equalTo(HostFacts.SUPERVISOR_VERSION))
                .body("update_pending", equalTo(false))
                .body("update_downloaded", equalTo(false))
                .body("update_failed", equalTo(false));
    }

    @Test
    void regeneratingTheKeyRetiresTheOldOneAtOnce() {
        String old = key.current();
        String fresh = withKey()
                .post("/v1/regenerate-api-key")
                .then()
                .statusCode(200)
                .body(matchesPattern("[0-9a-f]{64}"))
                .extract()
                .asString();
        given().queryParam("apikey", old).get("/v1/device").then().statusCode(401);
        given().queryParam("apikey", fresh).get("/v1/device").then().statusCode(200);
    }

    @Test
    void theAppsAreRestartedWithTheNewKey() throws Exception {
        setTarget(
                1,
                "{\"appId\":" + APP_ID + ",\"fleet\":\"lab\",\"release\":{\"releaseId\":9,\"commit\":\"key\","
                        + "\"services\":[{\"uuid\":\"" + service
                        + "\",\"name\":\"main\",\"command\":[\"/bin/sh\",\"-c\","
                        + "\"echo $BALENA_SUPERVISOR_API_KEY > key; echo $$ > pid; exec sleep 600\"],"
                        + "\"restart\":\"always\"}]}}");
        Path keyFile = appDir.resolve("data/key");
        await().atMost(WAIT)
                .until(() -> Files.exists(keyFile) && readTrimmed(keyFile).equals(key.current()));
        String fresh = withKey()
                .post("/v1/regenerate-api-key")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        await().atMost(WAIT).until(() -> readTrimmed(keyFile).equals(fresh));
    }

    private static String readTrimmed(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void updateBlinkAndTcpPingAnswerAsTheSpecSays() {
        withKey().post("/v1/update").then().statusCode(204);
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"force\":true}")
                .post("/v1/update")
                .then()
                .statusCode(204);
        int before = hostActions().size();
        withKey().post("/v1/blink").then().statusCode(200).body(emptyString());
        assertEquals("blink 15s", hostActions().get(before));
        withKey().post("/v1/tcp-ping").then().statusCode(204);
        withKey().delete("/v1/tcp-ping").then().statusCode(204);
    }

    @Test
    void hostConfigKeepsTheHostNameAndProxyAndRefusesBadOnes() {
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"network\":{\"hostname\":\"lab-seven\",\"proxy\":{\"type\":\"socks5\",\"ip\":\"10.0.0.2\","
                        + "\"port\":8123}}}")
                .patch("/v1/device/host-config")
                .then()
                .statusCode(200)
                .body(equalTo("OK"));
        withKey()
                .get("/v1/device/host-config")
                .then()
                .statusCode(200)
                .body("network.hostname", equalTo("lab-seven"))
                .body("network.proxy.type", equalTo("socks5"))
                .body("network.proxy.port", equalTo(8123));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"network\":{\"proxy\":{\"type\":\"carrier-pigeon\"}}}")
                .patch("/v1/device/host-config")
                .then()
                .statusCode(400)
                .body("status", equalTo("failed"));
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"network\":{\"hostname\":\"not a host name\"}}")
                .patch("/v1/device/host-config")
                .then()
                .statusCode(400);
        withKey()
                .get("/v1/device/host-config")
                .then()
                .body("network.hostname", equalTo("lab-seven"))
                .body("network.proxy.type", equalTo("socks5"));
    }

    @Test
    void aBadLocalTargetStateIsRefusedAndChangesNothing() {
        withKey()
                .contentType(ContentType.JSON)
                .body("{\"appId\":7,\"release\":{\"services\":[{\"name\":\"x\"}]}}")
                .post("/v2/local/target-state")
                .then()
                .statusCode(400)
                .body("status", equalTo("failed"));
        withKey()
                .contentType(ContentType.JSON)
                .body("[1,2]")
                .post("/v2/local/target-state")
                .then()
                .statusCode(400);
        withKey().get("/v1/device").then().body("commit", equalTo("abc123"));
    }

    @Test
    void appsAreToldHowToReachTheApiAndWhereTheirLockIs() throws Exception {
        setTarget(
                1,
                "{\"appId\":" + APP_ID + ",\"fleet\":\"lab\",\"release\":{\"releaseId\":9,\"commit\":\"env\","
                        + "\"services\":[{\"uuid\":\"" + service
                        + "\",\"name\":\"main\",\"command\":[\"/bin/sh\",\"-c\","
                        + "\"env > environment; echo $$ > pid; exec sleep 600\"],\"restart\":\"always\"}]}}");
        await().atMost(WAIT).until(() -> Files.exists(appDir.resolve("data/environment")));
        String environment = Files.readString(appDir.resolve("data/environment"));
        for (String prefix : List.of("RIGFLEET", "BALENA", "RESIN")) {
            assertTrue(environment.contains(prefix + "_SUPERVISOR_API_KEY=" + key.current()), environment);
            assertTrue(
                    environment.contains(prefix + "_SUPERVISOR_ADDRESS=http://127.0.0.1:" + RestAssured.port),
                    environment);
            assertTrue(environment.contains(prefix + "_SUPERVISOR_PORT=" + RestAssured.port), environment);
        }
        String lock = appDir.resolve("lock/updates.lock").toString();
        assertTrue(environment.contains("BALENA_APP_LOCK_PATH=" + lock), environment);
        assertTrue(environment.contains("RIGFLEET_APP_LOCK_PATH=" + lock), environment);
        assertTrue(environment.contains("RESIN_APP_LOCK_PATH=" + lock), environment);
        assertTrue(environment.contains("SELFNAME=" + service), environment);
    }
}
