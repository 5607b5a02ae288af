package dev.rigfleet.workspaces.hardware;

import static dev.rigfleet.common.testing.ErrorBodies.assertInvalidJson;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.Accounts.Account;
import dev.rigfleet.workspaces.hardware.Hardware.Setup;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Malformed bodies on the workspaces' new routes: a JSON 4xx each, and nothing stored. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class BadInputTest {

    @Test
    void aDeploymentFromABadBodyIsNeverMade() {
        Account owner = Accounts.someone();
        String type = Hardware.newType();
        String host = RegistryStub.enrol(owner.id());
        for (String body : List.of(
                "{\"type\": \"" + type + "\", \"type\": \"other\", \"host\": \"" + host + "\"}",
                "{\"type\": \"" + type + "\", \"host\": \"" + host + "\", \"desc\": \"a\\u0000b\"}",
                "{\"type\": \"" + type + "\", \"host\": ",
                "{\"type\": \"" + type + "\", \"host\": \"" + host + "\", \"peripherals\": \"" + host + "\"}")) {
            assertInvalidJson(post(owner.token(), "/deployments", body));
        }
        post(
                        owner.token(),
                        "/deployments",
                        "{\"type\": \"" + type + "\", \"host\": \"" + host + "\", \"desc\": \"" + "x".repeat(20_000)
                                + "\"}")
                .statusCode(413)
                .body("error", equalTo("request_entity_too_large"));
        given().get("/deployments/" + type).then().body("workspace_deployments", empty());
    }

    @Test
    void badRulesAndChangesLeaveTheDeploymentAsItWas() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "as it was");
        String token = setup.owner().token();
        for (String body : List.of(
                "{\"cap\": \"CAP_INSTANTIATE\", \"cap\": \"CAP_NO_INSTANTIATE\"}",
                "{\"cap\": \"CAP_INSTANTIATE\", \"user\": \"a\\u0000b\"}",
                "{\"cap\": 7}",
                "[]")) {
            assertInvalidJson(post(token, "/deployment/" + setup.id() + "/rule", body));
        }
        given().auth()
                .oauth2(token)
                .get("/deployment/" + setup.id() + "/rules")
                .then()
                .body("rules", empty());
        for (String body :
                List.of("{\"desc\": \"a\\u0000b\"}", "{\"desc\": \"x\", \"desc\": \"y\"}", "{\"desc\": 3}")) {
            assertInvalidJson(given().auth()
                    .oauth2(token)
                    .contentType(ContentType.JSON)
                    .body(body)
                    .patch("/deployment/" + setup.id())
                    .then());
        }
        given().get("/deployment/" + setup.id()).then().body("desc", equalTo("as it was"));
        assertInvalidJson(post(Accounts.mintedAdmin(), "/workspaces", "{\"name\": \"a\\u0000b\"}"));
    }

    @Test
    void aBadAllocationRequestQueuesNobody() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        Hardware.allocated(Accounts.someone(), java.util.Map.of("deployment", setup.id()));
        Account user = Accounts.someone();
        String prefix = "{\"user\": \"" + user.id() + "\", \"username\": \"" + user.name() + "\", \"deployment\": \""
                + setup.id() + "\", \"reserve\": true";
        for (String body : List.of(
                prefix + ", \"reserve\": false}",
                prefix + ", \"options\": {\"eurl\": \"https://a\\u0000b/\"}}",
                prefix + ", \"options\": {\"sshkey\": 1}}",
                prefix)) {
            assertInvalidJson(given().header("Authorization", TestTokens.service("instances"))
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post("/internal/allocations")
                    .then());
        }
        given().auth().oauth2(user.token()).get("/reservations").then().body("reservations", empty());
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(1));
    }

    private static io.restassured.response.ValidatableResponse post(String token, String path, String body) {
        return given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post(path)
                .then();
    }
}
