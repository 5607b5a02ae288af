package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.ServiceBasicsContract;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class FleetResourceTest implements ServiceBasicsContract {

    @Test
    void ownerCreatesGetsRenamesAndDeletesAFleet() {
        Api owner = Api.newUser();
        long appId = owner.call()
                .body(Map.of("name", "lab-arms"))
                .post("/fleets")
                .then()
                .statusCode(201)
                .body("name", equalTo("lab-arms"))
                .body("owner", equalTo(owner.userId()))
                .body("created_at", notNullValue())
                .extract()
                .jsonPath()
                .getLong("appId");

        owner.call().get("/fleets/" + appId).then().statusCode(200).body("name", equalTo("lab-arms"));
        owner.call()
                .body(Map.of("name", "lab-arms-2"))
                .patch("/fleets/" + appId)
                .then()
                .statusCode(200)
                .body("name", equalTo("lab-arms-2"));
        owner.call().delete("/fleets/" + appId).then().statusCode(204);
        owner.call().get("/fleets/" + appId).then().statusCode(404);
    }

    @Test
    void namesAreCheckedAndUniquePerOwner() {
        Api owner = Api.newUser();
        for (String bad : List.of("", "-starts-with-dash", "has space", "x".repeat(65), "ünïcode")) {
            owner.call()
                    .body(Map.of("name", bad))
                    .post("/fleets")
                    .then()
                    .statusCode(400)
                    .body("error", equalTo("invalid_request"))
                    .body("error_message", containsString("name must be 1-64"));
        }
        owner.call()
                .body(Map.of())
                .post("/fleets")
                .then()
                .statusCode(400)
                .body("error_message", containsString("name"));
        owner.call().body("{\"name\": ").post("/fleets").then().statusCode(400).body("error", equalTo("invalid_json"));
        owner.call()
                .body(Map.of("name", List.of("a")))
                .post("/fleets")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("field 'name' is missing or has the wrong type"));
        owner.call()
                .body("{\"name\": \"" + "x".repeat(70_000) + "\"}")
                .post("/fleets")
                .then()
                .statusCode(413);

        owner.createFleet("twice");
        owner.call().body(Map.of("name", "twice")).post("/fleets").then().statusCode(409);
        // Another owner may use the same name.
        Api.newUser().createFleet("twice");
    }

    @Test
    void anotherOwnersFleetIsAsUnknownAsAMissingOne() {
        Api owner = Api.newUser();
        Api stranger = Api.newUser();
        long appId = owner.createFleet();

        for (var answer : List.of(
                stranger.call().get("/fleets/" + appId),
                stranger.call().body(Map.of("name", "mine-now")).patch("/fleets/" + appId),
                stranger.call().delete("/fleets/" + appId),
                stranger.call().get("/fleets/" + appId + "/releases"),
                stranger.call().get("/fleets/" + appId + "/env"),
                stranger.call().get("/fleets/" + appId + "/provisioning-keys"),
                stranger.call().get("/fleets/987654321"))) {
            answer.then().statusCode(404).body("error", equalTo("not_found"));
        }
        stranger.call().get("/fleets/not-a-number").then().statusCode(404);
        owner.call().get("/fleets/" + appId).then().statusCode(200);
    }

    @Test
    void listingShowsOwnFleetsOnlyAndAnAdminSeesAll() {
        Api owner = Api.newUser();
        Api other = Api.newUser();
        long mine = owner.createFleet("alpha");
        long theirs = other.createFleet("beta");

        owner.call()
                .get("/fleets")
                .then()
                .statusCode(200)
                .body("fleets.appId", equalTo(List.of((int) mine)))
                .body("page_count", equalTo(1));
        Api.newAdmin()
                .call()
                .queryParam("max_per_page", 0)
                .get("/fleets")
                .then()
                .body("fleets.appId", hasItems((int) mine, (int) theirs));
    }

    @Test
    void listingPagesSortsAndFilters() {
        Api owner = Api.newUser();
        for (String name : List.of("c-rig", "a-rig", "b-rig", "d-bench", "e-rig")) {
            owner.createFleet(name);
        }

        owner.call()
                .get("/fleets")
                .then()
                .body("fleets.name", equalTo(List.of("a-rig", "b-rig", "c-rig", "d-bench", "e-rig")));
        owner.call()
                .queryParam("max_per_page", 2)
                .get("/fleets")
                .then()
                .body("fleets.name", equalTo(List.of("a-rig", "b-rig")))
                .body("page_count", equalTo(3));
        owner.call()
                .queryParam("max_per_page", 2)
                .queryParam("page", 99)
                .get("/fleets")
                .then()
                .body("fleets.name", equalTo(List.of("e-rig")))
                .body("page_count", equalTo(3));
        owner.call()
                .queryParam("sort_by", "dec_name")
                .queryParam("max_per_page", 1)
                .get("/fleets")
                .then()
                .body("fleets.name", equalTo(List.of("e-rig")));
        owner.call().queryParam("q", "RIG").get("/fleets").then().body("fleets.name", not(hasItem("d-bench")));
        owner.call()
                .queryParam("q", "nothing-like-it")
                .get("/fleets")
                .then()
                .body("fleets", equalTo(List.of()))
                .body("page_count", equalTo(1));

        owner.call().queryParam("max_per_page", -1).get("/fleets").then().statusCode(400);
        owner.call().queryParam("page", "first").get("/fleets").then().statusCode(400);
        owner.call()
                .queryParam("sort_by", "by_mood")
                .get("/fleets")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("sort_by must be one of: inc_name, dec_name, inc_created, dec_created"));
    }

    @Test
    void aFleetWithDevicesCannotBeDeleted() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> device = owner.enrol(appId);

        owner.call()
                .delete("/fleets/" + appId)
                .then()
                .statusCode(409)
                .body("error_message", containsString("1 device"));

        owner.call().delete("/devices/" + device.get("uuid")).then().statusCode(204);
        owner.call().delete("/fleets/" + appId).then().statusCode(204);
    }

    @Test
    void provisioningKeysAreCreatedListedWithoutTheirTextAndRevoked() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();

        var created = owner.call()
                .body(Map.of("description", "bench rigs", "expires_in", 3600, "max_uses", 5))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(201)
                .body("provisioning_key", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{64}"))
                .body("details.max_uses", equalTo(5))
                .body("details.uses", equalTo(0))
                .extract()
                .jsonPath();
        long keyId = created.getLong("details.id");
        String text = created.getString("provisioning_key");

        String listing = owner.call()
                .get("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(200)
                .body("provisioning_keys.id", equalTo(List.of((int) keyId)))
                .body("provisioning_keys[0].description", equalTo("bench rigs"))
                .extract()
                .asString();
        org.junit.jupiter.api.Assertions.assertFalse(listing.contains(text), "the key's text is shown only once");

        owner.call()
                .delete("/fleets/" + appId + "/provisioning-keys/" + keyId)
                .then()
                .statusCode(200)
                .body("revoked_at", notNullValue());
        Api.newUser()
                .call()
                .delete("/fleets/" + appId + "/provisioning-keys/" + keyId)
                .then()
                .statusCode(404);

        owner.call()
                .body(Map.of("max_uses", 0))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(400);
        owner.call()
                .body(Map.of("expires_in", 999_999_999))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(400)
                .body("error_message", containsString("expires_in"));
    }

    @Test
    void registryRoutesNeedAUserToken() {
        given().get("/fleets").then().statusCode(401).body("error_message", equalTo("wrong authorization token"));
        given().auth()
                .oauth2(TestTokens.deviceAudience(UUID.randomUUID().toString()))
                .get("/devices")
                .then()
                .statusCode(401);
        given().auth()
                .oauth2(TestTokens.expired(UUID.randomUUID().toString()))
                .contentType(ContentType.JSON)
                .body(Map.of("name", "x"))
                .post("/fleets")
                .then()
                .statusCode(401);
    }

    @Test
    void searchTakesWildcardsLiterallyAndMessagesNameJsonFields() {
        Api owner = Api.newUser();
        owner.createFleet("under_score");
        owner.createFleet("underscore");
        owner.call().queryParam("q", "_").get("/fleets").then().body("fleets.name", equalTo(List.of("under_score")));
        owner.call().queryParam("q", "%").get("/fleets").then().body("fleets", equalTo(List.of()));

        long appId = owner.createFleet();
        owner.call()
                .body(Map.of("max_uses", 0))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(400)
                .body("error_message", containsString("max_uses"));
    }

    @Test
    void renamingToTheSameNameChangesNothing() {
        Api owner = Api.newUser();
        long appId = owner.createFleet("same");
        String uuid = (String) owner.enrol(appId).get("uuid");
        long before = owner.targetVersion(uuid);

        owner.call()
                .body(Map.of("name", "same"))
                .patch("/fleets/" + appId)
                .then()
                .statusCode(200);
        org.junit.jupiter.api.Assertions.assertEquals(before, owner.targetVersion(uuid));
        owner.call()
                .body(Map.of("name", "other"))
                .patch("/fleets/" + appId)
                .then()
                .statusCode(200);
        org.junit.jupiter.api.Assertions.assertEquals(before + 1, owner.targetVersion(uuid));
    }
}
