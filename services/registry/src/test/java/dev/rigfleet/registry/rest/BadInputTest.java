package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/**
 * Input that used to end as a 500 (PostgreSQL refusing U+0000, Jackson failing on a key given twice) or be read
 * loosely (a text body made a fleet): a 400 or 415 with the common error body now, and nothing stored.
 */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class BadInputTest {

    private static void isError(ValidatableResponse answer, int status, String error, String message) {
        answer.statusCode(status)
                .contentType(ContentType.JSON)
                .body("error", equalTo(error))
                .body("error_message", equalTo(message))
                .body("status", equalTo(status))
                .body("request_id", notNullValue());
    }

    private static void hasNoFleets(Api owner) {
        owner.call().get("/fleets").then().statusCode(200).body("fleets", empty());
    }

    @Test
    void aTextBodyIsUnsupportedAndMakesNoFleet() {
        Api owner = Api.newUser();
        isError(
                given().auth()
                        .oauth2(owner.token())
                        .contentType("text/plain")
                        .body("lab-arms")
                        .post("/fleets")
                        .then(),
                415,
                "unsupported_media_type",
                "unsupported content type text/plain; send application/json");
        hasNoFleets(owner);
    }

    @Test
    void nulInAFleetNameIsRefusedAndNothingIsStored() {
        Api owner = Api.newUser();
        isError(
                owner.call()
                        .body("{\"name\": \"lab\\u0000arms\"}")
                        .post("/fleets")
                        .then(),
                400,
                "invalid_json",
                "field 'name' contains U+0000 (NUL), which is not accepted");
        hasNoFleets(owner);

        long appId = owner.createFleet("kept-name");
        isError(
                owner.call()
                        .body("{\"name\": \"\\u0000\"}")
                        .patch("/fleets/" + appId)
                        .then(),
                400,
                "invalid_json",
                "field 'name' contains U+0000 (NUL), which is not accepted");
        owner.call().get("/fleets/" + appId).then().statusCode(200).body("name", equalTo("kept-name"));
    }

    @Test
    void nulInOtherStoredTextIsRefusedAndNothingIsStored() {
        // These reached PostgreSQL: 500s.
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        isError(
                owner.call()
                        .body("{\"REGION\": \"lab\\u0000\"}")
                        .patch("/fleets/" + appId + "/env")
                        .then(),
                400,
                "invalid_json",
                "field 'REGION' contains U+0000 (NUL), which is not accepted");
        isError(
                owner.call()
                        .body("{\"description\": \"bench \\u0000 rigs\"}")
                        .post("/fleets/" + appId + "/provisioning-keys")
                        .then(),
                400,
                "invalid_json",
                "field 'description' contains U+0000 (NUL), which is not accepted");
        isError(
                owner.call()
                        .body("{\"description\": \"bench \\ud800 rigs\"}")
                        .post("/fleets/" + appId + "/provisioning-keys")
                        .then(),
                400,
                "invalid_json",
                "field 'description' contains an unpaired UTF-16 surrogate (U+D800), which is not accepted");
        owner.call().get("/fleets/" + appId + "/env").then().statusCode(200).body("env", anEmptyMap());
        owner.call()
                .get("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(200)
                .body("provisioning_keys", empty());
    }

    @Test
    void nulInAQueryParameterOrPathIsRefusedBeforeTheDatabase() {
        Api owner = Api.newUser();
        owner.createFleet("lab-arms");
        for (String[] target : new String[][] {
            {"/fleets?q=lab%00", "query parameter 'q' contains U+0000 (NUL), which is not accepted"},
            {"/devices?tag=room%00", "query parameter 'tag' contains U+0000 (NUL), which is not accepted"},
            {"/fleets?q=%ff", "query parameter 'q' has a percent-encoding that is not valid UTF-8"},
            {"/devices/ab%00cd", "the path contains U+0000 (NUL), which is not accepted"},
        }) {
            isError(owner.call().urlEncodingEnabled(false).get(target[0]).then(), 400, "bad_request", target[1]);
        }
        owner.call()
                .queryParam("q", "lab")
                .get("/fleets")
                .then()
                .statusCode(200)
                .body("fleets.size()", equalTo(1));
    }

    @Test
    void aKeyGivenTwiceIsRefusedWithAJsonBody() {
        // A record whose one field was set already: Jackson failed, and Quarkus answered an empty 500.
        Api owner = Api.newUser();
        isError(
                owner.call()
                        .body("{\"name\": \"first\", \"name\": \"second\"}")
                        .post("/fleets")
                        .then(),
                400,
                "invalid_json",
                "field 'name' is given more than once; give each field once");
        hasNoFleets(owner);

        long appId = owner.createFleet();
        // Maps: the last one used to win.
        isError(
                owner.call()
                        .body("{\"REGION\": \"lab-1\", \"REGION\": \"lab-2\"}")
                        .patch("/fleets/" + appId + "/env")
                        .then(),
                400,
                "invalid_json",
                "field 'REGION' is given more than once; give each field once");
        owner.call().get("/fleets/" + appId + "/env").then().body("env", anEmptyMap());
        isError(
                owner.call()
                        .body("{\"commit\": \"c1\", \"services\": [{\"name\": \"main\", \"command\": [\"/bin/true\"],"
                                + " \"name\": \"other\"}]}")
                        .post("/fleets/" + appId + "/releases")
                        .then(),
                400,
                "invalid_json",
                "field 'services[0].name' is given more than once; give each field once");
        owner.call()
                .get("/fleets/" + appId + "/releases")
                .then()
                .statusCode(200)
                .body("releases", empty());
    }
}
