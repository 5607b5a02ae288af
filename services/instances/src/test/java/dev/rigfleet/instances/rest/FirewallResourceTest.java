package dev.rigfleet.instances.rest;

import static dev.rigfleet.instances.rest.InstanceDeviceSideTest.made;
import static dev.rigfleet.instances.rest.InstanceResourceTest.awaitStatus;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.instances.AgentDouble;
import dev.rigfleet.instances.CoordinatorStub;
import dev.rigfleet.instances.WorkspacesStub;
import dev.rigfleet.instances.rest.InstanceResourceTest.User;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(WorkspacesStub.class)
@WithTestResource(CoordinatorStub.class)
class FirewallResourceTest {

    @Inject
    Bus bus;

    @Inject
    Presence presence;

    @BeforeEach
    void aConnectedDevice() {
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(UUID.randomUUID()));
        AgentDouble.reset();
        AgentDouble.connect(bus, presence);
    }

    @Test
    void theChainStartsOpenGrowsInOrderAndEmptiesAndTheTunnelGetsEachChange() {
        User ada = User.someone();
        String id = made(ada);
        awaitStatus(ada, id, "READY");
        int fwdPort = given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .extract()
                .path("fwd.port");

        given().auth()
                .oauth2(ada.token())
                .get("/firewall/" + id)
                .then()
                .statusCode(200)
                .body("rules", equalTo(List.of(Map.of("source", "0.0.0.0/0", "action", "ACCEPT"))));
        given().auth().oauth2(ada.token()).delete("/firewall/" + id).then().statusCode(200);
        // JSON without a Content-Type, as rerobots/py sends it; then no body at all: the caller's own address.
        given().auth()
                .oauth2(ada.token())
                .body("{\"src\": \"10.0.0.0/8\", \"action\": \"REJECT\"}")
                .post("/firewall/" + id)
                .then()
                .statusCode(200);
        given().auth().oauth2(ada.token()).post("/firewall/" + id).then().statusCode(200);
        given().auth()
                .oauth2(ada.token())
                .contentType(ContentType.JSON)
                .body(Map.of("src", "192.0.2.7", "action", "DROP"))
                .post("/firewall/" + id)
                .then()
                .statusCode(200)
                .body("rules.size()", equalTo(3));

        List<Map<String, String>> expected = List.of(
                Map.of("source", "10.0.0.0/8", "action", "REJECT"),
                Map.of("source", "127.0.0.1/32", "action", "ACCEPT"),
                Map.of("source", "192.0.2.7", "action", "DROP"));
        given().auth().oauth2(ada.token()).get("/firewall/" + id).then().body("rules", equalTo(expected));
        List<JsonArray> atTheTunnel = CoordinatorStub.byPort(fwdPort).getValue().chains();
        assertEquals(5, atTheTunnel.size(), "the open chain, the clear, then three appends");
        assertEquals(new JsonArray(), atTheTunnel.get(1));
        long toTheDevice = AgentDouble.RECEIVED.stream()
                .filter(command -> command.getPath().equals("/rigfleet/v1/instances/firewall"))
                .filter(command -> command.getBody().toStringUtf8().contains(id))
                .count();
        assertEquals(4, toTheDevice, "each change also went to the device");
        assertEquals(
                new JsonArray(expected.stream()
                        .map(rule -> new JsonObject()
                                .put("source", rule.get("source"))
                                .put("action", rule.get("action")))
                        .toList()),
                atTheTunnel.get(4));
    }

    @Test
    void beforeReadyThereIsNoChainAndAfterTheEndTheInstanceIsNotActive() {
        AgentDouble.startsInstances(AgentDouble.Mode.SILENT);
        User ada = User.someone();
        String id = made(ada);
        given().auth()
                .oauth2(ada.token())
                .get("/firewall/" + id)
                .then()
                .statusCode(200)
                .body("rules", nullValue());
        given().auth()
                .oauth2(ada.token())
                .post("/firewall/" + id)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("the firewall exists once the instance is READY; try again then"));

        awaitStatus(ada, id, "INIT_FAIL");
        for (String method : List.of("GET", "POST", "DELETE")) {
            given().auth()
                    .oauth2(ada.token())
                    .request(method, "/firewall/" + id)
                    .then()
                    .statusCode(400)
                    .body("error_message", equalTo("instance not active"));
        }
    }

    @Test
    void badRulesGetTheReferencesTextsAndChangeNothing() {
        User ada = User.someone();
        String id = made(ada);
        awaitStatus(ada, id, "READY");
        String source = "value for option `src` must be an IPv4 address or subnet in CIDR notation";
        Map<String, String> cases = Map.of(
                "{\"src\": \"10.0.0.256\"}", source,
                "{\"src\": \"10.0.0.0/33\"}", source,
                "{\"src\": \"::1\"}", source,
                "{\"src\": \"10.0.0.1\\u0000\"}", source,
                "{\"src\": 10}", "value for option `src` has wrong type",
                "{\"action\": \"ALLOW\"}", "value for option `action` not recognized",
                "{\"action\": [\"DROP\"]}", "value for option `action` has wrong type");
        cases.forEach((body, text) -> given().auth()
                .oauth2(ada.token())
                .body(body)
                .post("/firewall/" + id)
                .then()
                .statusCode(400)
                .body("error_message", equalTo(text)));
        for (String body : List.of("{not json", "{\"src\": \"10.0.0.1\", \"src\": \"10.0.0.2\"}")) {
            given().auth()
                    .oauth2(ada.token())
                    .body(body)
                    .post("/firewall/" + id)
                    .then()
                    .statusCode(400)
                    .body("error_message", org.hamcrest.Matchers.notNullValue());
        }
        given().auth()
                .oauth2(ada.token())
                .contentType(ContentType.JSON)
                .body("{\"src\": \"" + "1".repeat(1_100_000) + "\"}")
                .post("/firewall/" + id)
                .then()
                .statusCode(413);
        given().auth()
                .oauth2(ada.token())
                .get("/firewall/" + id)
                .then()
                .body("rules", equalTo(List.of(Map.of("source", "0.0.0.0/0", "action", "ACCEPT"))));
    }

    @Test
    void anotherUsersInstanceOrAnUnknownOneIsNotFoundOnEveryPathVariant() {
        User ada = User.someone();
        String id = made(ada);
        awaitStatus(ada, id, "READY");
        User stranger = User.someone();
        for (String method : List.of("GET", "POST", "DELETE")) {
            for (String path : List.of(
                    "/firewall/" + id,
                    "/firewall/" + id + "/",
                    "/firewall/" + id + ";x=1",
                    "/firewall/" + id.toUpperCase(),
                    "/firewall/" + UUID.randomUUID())) {
                given().auth()
                        .oauth2(stranger.token())
                        .request(method, path)
                        .then()
                        .statusCode(404);
            }
            given().request(method, "/firewall/" + id)
                    .then()
                    .statusCode(400)
                    .body("error_message", equalTo("wrong authorization token"));
        }
        given().auth()
                .oauth2(ada.token())
                .get("/firewall/" + id)
                .then()
                .body("rules", equalTo(List.of(Map.of("source", "0.0.0.0/0", "action", "ACCEPT"))));
    }
}
