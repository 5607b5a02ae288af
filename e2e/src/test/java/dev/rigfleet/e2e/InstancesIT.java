package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.link.AgentConnection;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Instances across the services, through the entry proxy: the instances service asks the workspaces service for a
 * deployment of a real enrolled device whose agent is connected, queues a second user, and when the first instance
 * fails (no device makes it READY yet) the deployment is freed and the waiting reservation becomes the second user's
 * instance, over the bus.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstancesIT {

    private final Stack stack = Stack.get();
    private final Vertx vertx = Vertx.vertx();
    private AgentConnection agent;
    private EntryProxy entry;
    private String type;
    private String deployment;

    @BeforeAll
    void oneDeploymentOfAConnectedDevice() {
        entry = EntryProxy.start(
                "instances",
                stack.workspaces.url(),
                stack.instances().url(),
                stack.registryA.url(),
                stack.coordinatorA.url());
        String owner = Accounts.newUserToken(stack);
        type = "e2e_inst_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        given().auth()
                .oauth2(Accounts.adminToken(stack))
                .contentType(ContentType.JSON)
                .body(Map.of("name", type))
                .post(entry.url() + "/workspaces")
                .then()
                .statusCode(200);
        JsonPath enrolment =
                Fleets.enrol(stack, Fleets.create(stack, owner, "inst-rigs", 1).provisioningKey());
        String uuid = enrolment.getString("uuid");
        agent = SilentAgents.connect(vertx, stack, uuid, enrolment.getString("credential"), 0);
        deployment = given().auth()
                .oauth2(owner)
                .contentType(ContentType.JSON)
                .body(Map.of("type", type, "host", uuid))
                .post(entry.url() + "/deployments")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> given().get(entry.url() + "/deployment/" + deployment)
                        .then()
                        .extract()
                        .<Boolean>path("online"));
    }

    @AfterAll
    void stop() {
        agent.close();
        entry.close();
        vertx.close();
    }

    @Test
    void anInstanceThenAQueueThenThePromotedReservationsInstance() throws Exception {
        String alice = Accounts.newUserToken(stack);
        String bob = Accounts.newUserToken(stack);

        // JSON without a Content-Type, as rerobots/py sends it.
        HttpResponse<String> made = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(entry.url() + "/new/" + type))
                                .header("Authorization", "Bearer " + alice)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"reserve\": false}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, made.statusCode(), made.body());
        JsonPath answer = JsonPath.from(made.body());
        assertEquals(true, answer.getBoolean("success"));
        assertTrue(answer.getString("sshkey").startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        String first = answer.getString("id");
        given().auth()
                .oauth2(alice)
                .get(entry.url() + "/instance/" + first)
                .then()
                .statusCode(200)
                .body("status", equalTo("INIT"))
                .body("deployment", equalTo(deployment))
                .body("type", equalTo(type));
        given().auth()
                .oauth2(bob)
                .get(entry.url() + "/instance/" + first)
                .then()
                .statusCode(404);

        // Nothing free: busy without a reservation (no body, as the Rust library sends), queued with one.
        given().auth()
                .oauth2(bob)
                .post(entry.url() + "/new/" + type)
                .then()
                .statusCode(503)
                .body("result_message", startsWith("All matching workspace deployments are busy"));
        String reservation = given().auth()
                .oauth2(bob)
                .contentType(ContentType.JSON)
                .body(Map.of("reserve", true))
                .post(entry.url() + "/new/" + type)
                .then()
                .statusCode(200)
                .body("success", equalTo(false))
                .extract()
                .path("id");
        given().get(entry.url() + "/queuelen/" + deployment).then().body("len", equalTo(2));
        given().auth()
                .oauth2(alice)
                .post(entry.url() + "/terminate/" + first)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("cannot terminate instance that is init"));

        // The first instance fails its INIT time-out; its deployment is freed and given to bob's reservation.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(bob)
                        .get(entry.url() + "/instances")
                        .then()
                        .body("workspace_instances", contains(reservation)));
        given().auth()
                .oauth2(alice)
                .get(entry.url() + "/instance/" + first)
                .then()
                .body("status", equalTo("INIT_FAIL"));
        given().auth()
                .oauth2(bob)
                .get(entry.url() + "/instance/" + reservation + "/sshkey")
                .then()
                .statusCode(200)
                .body("key", startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        given().auth().oauth2(bob).get(entry.url() + "/reservations").then().body("reservations.size()", equalTo(0));
    }
}
