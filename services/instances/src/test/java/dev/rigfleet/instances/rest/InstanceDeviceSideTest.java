package dev.rigfleet.instances.rest;

import static dev.rigfleet.instances.rest.InstanceResourceTest.awaitStatus;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.instances.AgentDouble;
import dev.rigfleet.instances.CoordinatorStub;
import dev.rigfleet.instances.InstanceStatusRecorder;
import dev.rigfleet.instances.WorkspacesStub;
import dev.rigfleet.instances.rest.InstanceResourceTest.User;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.bus.DeviceConnection;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device's side as the instances service drives it: the agent's instance commands over the real bus (to {@link
 * AgentDouble}) and the coordinator's tunnels ({@link CoordinatorStub}). e2e does the same with the real agent and
 * coordinator.
 */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(WorkspacesStub.class)
@WithTestResource(CoordinatorStub.class)
class InstanceDeviceSideTest {

    @Inject
    Bus bus;

    @Inject
    Presence presence;

    @Inject
    InstanceStatusRecorder statuses;

    @BeforeEach
    void aConnectedDevice() {
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(UUID.randomUUID()));
        AgentDouble.reset();
        AgentDouble.connect(bus, presence);
    }

    @Test
    void theAgentMakesTheInstanceWithItsKeyAndItsTunnelIsFwd() {
        User ada = User.someone();
        String id = made(ada);
        awaitStatus(ada, id, "READY");

        JsonObject started = commands("POST /rigfleet/v1/instances", id).get(0);
        assertEquals(1, started.getJsonArray("authorized_keys").size());
        assertTrue(started.getJsonArray("authorized_keys").getString(0).startsWith("ssh-rsa "));
        int fwdPort = given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .statusCode(200)
                .body("fwd.ipv4", equalTo("127.0.0.1"))
                .body("hostkeys", contains(AgentDouble.HOST_KEY))
                .extract()
                .path("fwd.port");
        var tunnel = CoordinatorStub.byPort(fwdPort).getValue();
        assertEquals(AgentDouble.DEVICE, tunnel.device());
        assertEquals((int) AgentDouble.RUNNING.get(id), tunnel.devicePort(), "fwd reaches the instance's SSH port");
        assertEquals("0.0.0.0/0", tunnel.chains().get(0).getJsonObject(0).getString("source"));
    }

    @Test
    void anAgentThatCannotMakeTheInstanceFailsItWithItsReasonAndTheDeploymentIsFreed() {
        AgentDouble.startsInstances(AgentDouble.Mode.FAILS);
        User ada = User.someone();
        String id = made(ada);

        awaitStatus(ada, id, "INIT_FAIL");
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .body("status_reason", equalTo("the device's agent answered 500: no space left on device"));
        await().atMost(Duration.ofSeconds(10)).until(() -> WorkspacesStub.RELEASED.contains(id));
    }

    @Test
    void terminatingStopsTheInstanceOnTheDeviceAndClosesItsTunnel() {
        User ada = User.someone();
        String id = made(ada);
        awaitStatus(ada, id, "READY");
        int fwdPort = given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .extract()
                .path("fwd.port");
        String tunnel = CoordinatorStub.byPort(fwdPort).getKey();

        given().auth().oauth2(ada.token()).post("/terminate/" + id).then().statusCode(200);

        awaitStatus(ada, id, "TERMINATED");
        assertFalse(AgentDouble.RUNNING.containsKey(id));
        assertTrue(CoordinatorStub.CLOSED.contains(tunnel));
        assertEquals(1, commands("POST /rigfleet/v1/instances/stop", id).size());
        await().atMost(Duration.ofSeconds(10)).until(() -> WorkspacesStub.RELEASED.contains(id));
    }

    @Test
    void aDeviceThatNeverConfirmsTheEndIsForcedTerminatedAfterTheBound() {
        User ada = User.someone();
        String id = made(ada);
        awaitStatus(ada, id, "READY");
        AgentDouble.stopsInstances(false);

        given().auth().oauth2(ada.token()).post("/terminate/" + id).then().statusCode(200);

        given().auth().oauth2(ada.token()).get("/instance/" + id).then().body("status", equalTo("TERMINATING"));
        assertFalse(WorkspacesStub.RELEASED.contains(id), "the deployment is held while the device cleans up");
        awaitStatus(ada, id, "TERMINATED");
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .body("status_reason", endsWith("the device did not confirm the end within 3 s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> WorkspacesStub.ATTENTION.containsKey(id));
        assertTrue(WorkspacesStub.ATTENTION.get(id).endsWith("without its device confirming; it may still run there"));
        await().atMost(Duration.ofSeconds(10)).until(() -> WorkspacesStub.RELEASED.contains(id));
    }

    @Test
    void anAgentThatReconnectsWithoutTheInstanceEndsItAsAgentRestarted() {
        User ada = User.someone();
        String kept = made(ada);
        awaitStatus(ada, kept, "READY");
        String lost = made(ada);
        awaitStatus(ada, lost, "READY");

        AgentDouble.RUNNING.remove(lost);
        bus.publish(
                        Topics.DEVICE_CONNECTION,
                        DeviceConnection.newBuilder()
                                .setUuid(AgentDouble.DEVICE)
                                .setOnline(true)
                                .setReplica(bus.replicaId())
                                .build())
                .await()
                .indefinitely();

        awaitStatus(ada, lost, "TERMINATED");
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + lost)
                .then()
                .body("status_reason", equalTo("agent restarted"));
        given().auth().oauth2(ada.token()).get("/instance/" + kept).then().body("status", equalTo("READY"));
        given().auth().oauth2(ada.token()).post("/terminate/" + kept).then().statusCode(200);
        awaitStatus(ada, kept, "TERMINATED");
    }

    @Test
    void anInstanceWithAnEurlHasItsStatusesCalledBackInOrderAndTheBusToldEveryTransition() {
        User ada = User.someone();
        String id = given().auth()
                .oauth2(ada.token())
                .body("{\"eurl\": \"https://example.com/hooks/rigfleet\"}")
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        awaitStatus(ada, id, "READY");
        given().auth().oauth2(ada.token()).post("/terminate/" + id).then().statusCode(200);
        awaitStatus(ada, id, "TERMINATED");

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(List.of("INIT", "READY", "TERMINATED"), callbacksOf(id)));
        JsonObject ready = WorkspacesStub.CALLBACKS.stream()
                .filter(callback -> id.equals(callback.getJsonObject("status").getString("id")))
                .toList()
                .get(1);
        assertEquals(ada.id().toString(), ready.getString("user"));
        assertEquals("https://example.com/hooks/rigfleet", ready.getString("eurl"));
        assertEquals(ada.name(), ready.getJsonObject("status").getString("user"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertEquals(List.of("INIT", "READY", "TERMINATING", "TERMINATED"), statuses.of(id)));
        assertTrue(callbacksOf(id).size() == 3, "TERMINATING is told on the bus only");
    }

    private static List<String> callbacksOf(String id) {
        return WorkspacesStub.CALLBACKS.stream()
                .map(callback -> callback.getJsonObject("status"))
                .filter(status -> id.equals(status.getString("id")))
                .map(status -> status.getString("val"))
                .toList();
    }

    static String made(User user) {
        return given().auth()
                .oauth2(user.token())
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    /** The bodies of the commands of this route that named the instance. */
    private static List<JsonObject> commands(String route, String id) {
        return AgentDouble.RECEIVED.stream()
                .filter(request -> route.equals(request.getMethod() + " " + request.getPath()))
                .map(CommandRequest::getBody)
                .map(body -> new JsonObject(body.toStringUtf8()))
                .filter(body -> id.equals(body.getString("id")))
                .toList();
    }
}
