package dev.rigfleet.instances.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.instances.AgentDouble;
import dev.rigfleet.instances.CoordinatorStub;
import dev.rigfleet.instances.WorkspacesStub;
import dev.rigfleet.proto.bus.ReservationOptions;
import dev.rigfleet.proto.bus.ReservationPromoted;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(WorkspacesStub.class)
@WithTestResource(CoordinatorStub.class)
class InstanceResourceTest {

    record User(UUID id, String name, String token) {
        static User someone() {
            UUID id = UUID.randomUUID();
            String name = "u" + id.toString().substring(0, 8);
            return new User(id, name, TestTokens.named(id.toString(), name, "user"));
        }
    }

    @Inject
    Bus bus;

    @Inject
    Presence presence;

    @BeforeEach
    void allocateFreelyOnAConnectedDevice() {
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(UUID.randomUUID()));
        AgentDouble.reset();
        AgentDouble.connect(bus, presence);
    }

    @Test
    void jsonWithoutAContentTypeMakesAnInstanceWithAKeyMadeForTheUser() {
        AgentDouble.startsInstances(AgentDouble.Mode.SILENT);
        User ada = User.someone();
        var made = given().auth()
                .oauth2(ada.token())
                .body("{\"reserve\": false, \"expire_d\": 3600}")
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .body("success", equalTo(true))
                .body("sshkey", startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"))
                .extract();
        String id = made.path("id");
        JsonObject asked = WorkspacesStub.ALLOCATIONS.get(WorkspacesStub.ALLOCATIONS.size() - 1);
        assertEquals(ada.id().toString(), asked.getString("user"));
        assertEquals(ada.name(), asked.getString("username"));
        assertEquals("kobuki", asked.getString("type"));
        assertEquals(false, asked.getBoolean("reserve"));
        assertEquals(3600, asked.getJsonObject("options").getInteger("expire_d"));

        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("type", equalTo("kobuki"))
                .body("region", equalTo("Lab 3"))
                .body("status", equalTo("INIT"))
                .body("rootuser", equalTo("root"))
                .body("fwd", equalTo(Map.of()))
                .body("hostkeys", empty())
                .body("starttime", notNullValue())
                .body("expires", notNullValue())
                .body("$", not(hasKey("endtime")));
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id + "/sshkey")
                .then()
                .statusCode(200)
                .body("key", equalTo(made.path("sshkey")));
        for (String path : List.of("/instance/" + id, "/instance/" + id + "/sshkey", "/instance/" + id + "/")) {
            given().auth()
                    .oauth2(User.someone().token())
                    .get(path)
                    .then()
                    .statusCode(404)
                    .body("error_message", equalTo("instance not found"));
        }
    }

    @Test
    void noBodyOrAnEmptyOneWillDoAndAUsersOwnKeyIsKept() throws Exception {
        User ada = User.someone();
        given().auth()
                .oauth2(ada.token())
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .body("success", equalTo(true));
        given().auth()
                .oauth2(ada.token())
                .contentType(ContentType.JSON)
                .body("")
                .post("/new/kobuki")
                .then()
                .statusCode(200);
        User bob = User.someone();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        String publicKey = PublicKeyEntry.toString(generator.generateKeyPair().getPublic());
        String id = given().auth()
                .oauth2(bob.token())
                .contentType(ContentType.JSON)
                .body(Map.of("sshkey", publicKey))
                .post("/new/" + UUID.randomUUID())
                .then()
                .statusCode(200)
                .body("$", not(hasKey("sshkey")))
                .extract()
                .path("id");
        assertTrue(WorkspacesStub.ALLOCATIONS
                .get(WorkspacesStub.ALLOCATIONS.size() - 1)
                .containsKey("deployment"));
        given().auth()
                .oauth2(bob.token())
                .get("/instance/" + id + "/sshkey")
                .then()
                .statusCode(404)
                .body("error_message", equalTo("no secret SSH key available"));
    }

    @Test
    void aReservationIsNotYetAnInstance() {
        String reservation = UUID.randomUUID().toString();
        WorkspacesStub.answerAllocations(
                ask -> new WorkspacesStub.Answer(200, "{\"outcome\":\"reserved\",\"id\":\"" + reservation + "\"}"));
        User ada = User.someone();
        given().auth()
                .oauth2(ada.token())
                .body("{\"reserve\": true}")
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .body("success", equalTo(false))
                .body("id", equalTo(reservation))
                .body("$", not(hasKey("sshkey")));
        given().auth().oauth2(ada.token()).get("/instances").then().body("workspace_instances", empty());
    }

    @Test
    void theWorkspacesRefusalsReachTheUserWithResultMessage() {
        User ada = User.someone();
        WorkspacesStub.answerAllocations(ask -> new WorkspacesStub.Answer(
                503,
                "{\"error_message\":\"All matching workspace deployments are busy. Try again later.\",\"error\":\"busy\","
                        + "\"status\":503,\"result_message\":\"All matching workspace deployments are busy. Try again"
                        + " later.\"}"));
        given().auth()
                .oauth2(ada.token())
                .post("/new/kobuki")
                .then()
                .statusCode(503)
                .body("result_message", startsWith("All matching workspace deployments are busy"))
                .body("request_id", notNullValue());
        WorkspacesStub.answerAllocations(ask -> new WorkspacesStub.Answer(
                404,
                "{\"error_message\":\"no matching wdeployment found\",\"error\":\"no matching wdeployment found\","
                        + "\"status\":404}"));
        given().auth()
                .oauth2(ada.token())
                .post("/new/" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .body("error", equalTo("no matching wdeployment found"))
                .body("result_message", equalTo("no matching wdeployment found"));
    }

    @Test
    void badOptionsGetTheReferencesTexts() {
        User ada = User.someone();
        Map<String, String> cases = Map.of(
                "{\"reserve\": \"yes\"}", "value for option `reserve` has wrong type",
                "{\"expire_d\": 0}", "value for option `expire_d` must be positive",
                "{\"expire_d\": 1.5}", "value for option `expire_d` has wrong type",
                "{\"keepalive\": 1}", "value for option `keepalive` has wrong type",
                "{\"eurl\": \"  \"}", "value for option `eurl` must be nonempty",
                "{\"sshkey\": 7}", "value for option `sshkey` has wrong type",
                "{\"sshkey\": \"not a key\"}", "value for option `sshkey` is not an SSH public key",
                "{\"vpn\": \"yes\"}", "value for option `vpn` has wrong type",
                "[1, 2]", "the request body must be a JSON object",
                "{\"colour\": \"red\"}", "unknown option `colour`");
        int before = WorkspacesStub.ALLOCATIONS.size();
        cases.forEach((body, text) -> given().auth()
                .oauth2(ada.token())
                .body(body)
                .post("/new/kobuki")
                .then()
                .statusCode(400)
                .body("error_message", equalTo(text))
                .body("result_message", equalTo(text)));
        given().auth()
                .oauth2(ada.token())
                .body("{not json")
                .post("/new/kobuki")
                .then()
                .statusCode(400);
        given().auth()
                .oauth2(ada.token())
                .post("/new/bad-name")
                .then()
                .statusCode(404)
                .body("error", equalTo("no matching wdeployment found"));
        assertEquals(before, WorkspacesStub.ALLOCATIONS.size(), "nothing was allocated for a bad request");
        given().post("/new/kobuki").then().statusCode(400).body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void duplicateKeysNulsAndHugeBodiesAllocateNothing() {
        User ada = User.someone();
        int before = WorkspacesStub.ALLOCATIONS.size();
        for (String body : List.of(
                "{\"reserve\": true, \"reserve\": false}",
                "{\"eurl\": \"https://a\\u0000b/\"}",
                "{\"sshkey\": \"ssh-ed25519 AAAA\\u0000\"}")) {
            given().auth()
                    .oauth2(ada.token())
                    .body(body)
                    .post("/new/kobuki")
                    .then()
                    .statusCode(400)
                    .body("result_message", notNullValue());
        }
        given().auth()
                .oauth2(ada.token())
                .contentType(ContentType.JSON)
                .body("{\"eurl\": \"" + "x".repeat(1_100_000) + "\"}")
                .post("/new/kobuki")
                .then()
                .statusCode(413);
        assertEquals(before, WorkspacesStub.ALLOCATIONS.size(), "nothing was allocated for a bad body");
        given().auth().oauth2(ada.token()).get("/instances").then().body("workspace_instances", empty());
    }

    @Test
    void aUserHasAtMostTwoLiveInstances() {
        User ada = User.someone();
        for (int i = 0; i < 2; i++) {
            given().auth().oauth2(ada.token()).post("/new/kobuki").then().statusCode(200);
        }
        int before = WorkspacesStub.ALLOCATIONS.size();
        given().auth()
                .oauth2(ada.token())
                .post("/new/kobuki")
                .then()
                .statusCode(400)
                .body(
                        "result_message",
                        equalTo("you have 2 live instances, the most allowed is 2; terminate one first"));
        assertEquals(before, WorkspacesStub.ALLOCATIONS.size());
    }

    @Test
    void terminationAsTheReferenceRefusesItAndByTheOwner() {
        User ada = User.someone();
        AgentDouble.startsInstances(AgentDouble.Mode.SILENT);
        String initializing = made(ada);
        given().auth()
                .oauth2(ada.token())
                .post("/terminate/" + initializing)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("cannot terminate instance that is init"));
        awaitStatus(ada, initializing, "INIT_FAIL");
        given().auth()
                .oauth2(ada.token())
                .post("/terminate/" + initializing)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("cannot terminate instance that is init_fail"));
        AgentDouble.startsInstances(AgentDouble.Mode.STARTS);
        String id = made(ada);
        ready(ada, id);
        given().auth()
                .oauth2(User.someone().token())
                .post("/terminate/" + id)
                .then()
                .statusCode(404)
                .body("result_message", equalTo("instance not found"));
        given().auth()
                .oauth2(ada.token())
                .post("/terminate/" + id)
                .then()
                .statusCode(200)
                .body("status", equalTo("TERMINATING"));
        awaitStatus(ada, id, "TERMINATED");
        await().atMost(Duration.ofSeconds(10)).until(() -> WorkspacesStub.RELEASED.contains(id));
        assertTrue(!AgentDouble.RUNNING.containsKey(id), "the agent stopped the instance");
        given().auth()
                .oauth2(ada.token())
                .post("/terminate/" + id)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("instance already terminated"));
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .body("status", equalTo("TERMINATED"))
                .body("status_reason", equalTo("terminated by its user"))
                .body("endtime", notNullValue());
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id + "/sshkey")
                .then()
                .statusCode(400);

        // The owner of the hardware may end a stranger's instance on it.
        User owner = User.someone();
        UUID deployment = UUID.randomUUID();
        WorkspacesStub.OWNERS.put(deployment.toString(), owner.id().toString());
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(deployment));
        User holder = User.someone();
        String theirs = made(holder);
        ready(holder, theirs);
        given().auth().oauth2(owner.token()).post("/terminate/" + theirs).then().statusCode(200);
        awaitStatus(holder, theirs, "TERMINATED");
        given().auth().oauth2(owner.token()).get("/instance/" + theirs).then().statusCode(404);
        given().auth()
                .oauth2(TestTokens.named(UUID.randomUUID().toString(), "root", "user", "admin"))
                .get("/instance/" + theirs)
                .then()
                .body("status_reason", equalTo("terminated by owner"));
    }

    @Test
    void listsLeaveOutEndedInstancesUnlessAsked() {
        User ada = User.someone();
        String first = made(ada);
        String second = made(ada);
        ready(ada, first);
        ready(ada, second);
        given().auth().oauth2(ada.token()).post("/terminate/" + first).then().statusCode(200);
        awaitStatus(ada, first, "TERMINATED");
        given().auth()
                .oauth2(ada.token())
                .get("/instances")
                .then()
                .statusCode(200)
                .body("workspace_instances", contains(second))
                .body("workspace_deployments.size()", equalTo(1))
                .body("page_count", equalTo(1));
        given().auth()
                .oauth2(ada.token())
                .get("/instances?include_terminated&sort_by=inc_start_date")
                .then()
                .body("workspace_instances", contains(first, second));
        given().auth()
                .oauth2(ada.token())
                .get("/instances?include_terminated=no&max_per_page=1&page=2")
                .then()
                .body("workspace_instances", contains(first))
                .body("page_count", equalTo(2));
        given().auth()
                .oauth2(ada.token())
                .get("/instances?sort_by=by_mood")
                .then()
                .statusCode(400);
        given().auth()
                .oauth2(ada.token())
                .get("/instances?max_per_page=-1")
                .then()
                .statusCode(400);
    }

    @Test
    void anInstanceNotReadyInTimeFailsAndItsDeploymentIsFreed() {
        AgentDouble.startsInstances(AgentDouble.Mode.SILENT);
        User ada = User.someone();
        String id = made(ada);
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> given().auth()
                        .oauth2(ada.token())
                        .get("/instance/" + id)
                        .then()
                        .body("status", equalTo("INIT_FAIL"))
                        .body("status_reason", startsWith("the device did not prepare the instance")));
        // Freed once the device was told to drop what it may have started.
        await().atMost(Duration.ofSeconds(10)).until(() -> WorkspacesStub.RELEASED.contains(id));
        given().auth().oauth2(ada.token()).get("/instances").then().body("workspace_instances", not(contains(id)));
        given().auth()
                .oauth2(ada.token())
                .get("/instances?include_init_fail")
                .then()
                .body("workspace_instances", contains(id));
    }

    @Test
    void aKeepaliveInstanceIsRenewedOrEnds() {
        User ada = User.someone();
        String id = given().auth()
                .oauth2(ada.token())
                .body("{\"keepalive\": true}")
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        ready(ada, id);
        given().auth()
                .oauth2(ada.token())
                .post("/instance/" + id + "/ka")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(User.someone().token())
                .post("/instance/" + id + "/ka")
                .then()
                .statusCode(404);
        String other = made(User.someone());
        given().auth()
                .oauth2(TestTokens.named(UUID.randomUUID().toString(), "root", "user", "admin"))
                .post("/instance/" + other + "/ka")
                .then()
                .statusCode(404)
                .body("error_message", equalTo("no keep-alive monitor for this instance"));
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> given().auth()
                        .oauth2(ada.token())
                        .get("/instance/" + id)
                        .then()
                        .body("status", equalTo("TERMINATED"))
                        .body("status_reason", equalTo("keep-alive not renewed")));
    }

    @Test
    void anInstanceWhoseHoldingEndedEndsToo() {
        User ada = User.someone();
        String id = made(ada);
        ready(ada, id);
        WorkspacesStub.ENDED.add(id);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().auth()
                        .oauth2(ada.token())
                        .get("/instance/" + id)
                        .then()
                        .body("status", equalTo("TERMINATED"))
                        .body("status_reason", equalTo("its deployment was taken back")));
    }

    @Test
    void aPromotedReservationBecomesAnInstanceOnce() {
        User ada = User.someone();
        UUID reservation = UUID.randomUUID();
        ReservationPromoted promoted = ReservationPromoted.newBuilder()
                .setReservationId(reservation.toString())
                .setDeploymentId(UUID.randomUUID().toString())
                .setWorkspaceType("kobuki")
                .setUserId(ada.id().toString())
                .setUsername(ada.name())
                .setOptions(ReservationOptions.newBuilder().setExpireD(600))
                .build();
        bus.publish(Topics.RESERVATION_PROMOTED, promoted).await().indefinitely();
        bus.publish(Topics.RESERVATION_PROMOTED, promoted).await().indefinitely();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().auth()
                        .oauth2(ada.token())
                        .get("/instances")
                        .then()
                        .body("workspace_instances", contains(reservation.toString())));
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + reservation + "/sshkey")
                .then()
                .statusCode(200)
                .body("key", startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + reservation)
                .then()
                .body("expires", notNullValue());
    }

    private static String made(User user) {
        return given().auth()
                .oauth2(user.token())
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    /** Waits for the agent double to have made the instance READY. */
    static void ready(User user, String id) {
        awaitStatus(user, id, "READY");
    }

    static void awaitStatus(User user, String id, String status) {
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> given().auth()
                        .oauth2(user.token())
                        .get("/instance/" + id)
                        .then()
                        .body("status", equalTo(status)));
    }
}
