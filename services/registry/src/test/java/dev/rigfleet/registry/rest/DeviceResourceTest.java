package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class DeviceResourceTest {

    @Inject
    Redis redis;

    @Inject
    Presence presence;

    @Test
    void ownerRenamesTagsAndDeletesADevice() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String uuid = (String) owner.enrol(appId).get("uuid");
        long before = owner.targetVersion(uuid);

        owner.call()
                .body(Map.of("name", "arm-7", "tags", Map.of("room", "b12", "kind", "arm")))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(200)
                .body("name", equalTo("arm-7"))
                .body("tags", equalTo(Map.of("room", "b12", "kind", "arm")));
        assertEquals(before + 1, owner.targetVersion(uuid), "the name is part of the target state");

        Map<String, Object> untag = new HashMap<>();
        untag.put("tags", new HashMap<>(Map.of("room", "b14")));
        ((Map<String, Object>) untag.get("tags")).put("kind", null);
        owner.call().body(untag).patch("/devices/" + uuid).then().body("tags", equalTo(Map.of("room", "b14")));
        assertEquals(before + 1, owner.targetVersion(uuid), "tags are not");

        owner.call().delete("/devices/" + uuid).then().statusCode(204);
        owner.call().get("/devices/" + uuid).then().statusCode(404);
    }

    @Test
    void badChangesAreRefused() {
        Api owner = Api.newUser();
        String uuid = (String) owner.enrol(owner.createFleet()).get("uuid");
        owner.call()
                .body(Map.of("name", "no spaces"))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(400)
                .body("error_message", containsString("name must be 1-64"));
        owner.call()
                .body(Map.of("tags", Map.of("bad key", "x")))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(400);
        owner.call()
                .body(Map.of("appId", "seven"))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(400)
                .body("error_message", equalTo("field 'appId' is missing or has the wrong type"));
        owner.call()
                .body(Map.of("appId", 987654321))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(404)
                .body("error_message", equalTo("no fleet 987654321"));
        owner.call().body("{").patch("/devices/" + uuid).then().statusCode(400);
    }

    @Test
    void aDeviceMovesBetweenItsOwnersFleetsOnly() {
        Api owner = Api.newUser();
        long from = owner.createFleet();
        long to = owner.createFleet();
        long strangers = Api.newUser().createFleet();
        String uuid = (String) owner.enrol(from).get("uuid");
        long release = owner.createRelease(from, "old");
        owner.call().body(Map.of("releaseId", release)).put("/devices/" + uuid + "/pinned-release");
        long before = owner.targetVersion(uuid);

        owner.call()
                .body(Map.of("appId", strangers))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(404);
        owner.call()
                .body(Map.of("appId", to))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(200)
                .body("appId", equalTo((int) to))
                .body("pinned_release", nullValue());
        assertEquals(before + 1, owner.targetVersion(uuid));
        owner.call().queryParam("appId", to).get("/devices").then().body("devices.uuid", equalTo(List.of(uuid)));
        owner.call().queryParam("appId", from).get("/devices").then().body("devices", equalTo(List.of()));
    }

    @Test
    void anotherOwnersDeviceIsAsUnknownAsAMissingOne() {
        Api owner = Api.newUser();
        Api stranger = Api.newUser();
        String uuid = (String) owner.enrol(owner.createFleet()).get("uuid");

        for (var answer : List.of(
                stranger.call().get("/devices/" + uuid),
                stranger.call().body(Map.of("name", "mine")).patch("/devices/" + uuid),
                stranger.call().delete("/devices/" + uuid),
                stranger.call().get("/devices/" + uuid + "/target-state"),
                stranger.call().get("/devices/" + uuid + "/env"),
                stranger.call().get("/devices/" + uuid + "/history"),
                stranger.call().get("/devices/" + "0".repeat(32)))) {
            answer.then().statusCode(404).body("error", equalTo("not_found"));
        }
        stranger.call().get("/devices").then().body("devices", equalTo(List.of()));
        Api.newAdmin().call().get("/devices/" + uuid).then().statusCode(200).body("owner", equalTo(owner.userId()));
    }

    @Test
    void listingFiltersSortsAndPages() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        List<String> uuids = List.of("gamma", "alpha", "beta", "delta").stream()
                .map(name -> {
                    String uuid = (String) owner.enrol(appId).get("uuid");
                    owner.call()
                            .body(Map.of("name", name, "tags", Map.of("room", name.length() > 4 ? "big" : "small")))
                            .patch("/devices/" + uuid);
                    return uuid;
                })
                .toList();

        owner.call().get("/devices").then().body("devices.name", equalTo(List.of("alpha", "beta", "delta", "gamma")));
        owner.call()
                .queryParam("sort_by", "dec_name")
                .queryParam("max_per_page", 3)
                .queryParam("page", 2)
                .get("/devices")
                .then()
                .body("devices.name", equalTo(List.of("alpha")))
                .body("page_count", equalTo(2));
        owner.call()
                .queryParam("q", "ta")
                .get("/devices")
                .then()
                .body("devices.name", equalTo(List.of("beta", "delta")));
        owner.call()
                .queryParam("tag", "room=small")
                .get("/devices")
                .then()
                .body("devices.name", equalTo(List.of("beta")));
        owner.call().queryParam("tag", "room").get("/devices").then().body("devices.size()", equalTo(4));
        owner.call().queryParam("tag", "nothing").get("/devices").then().body("devices", equalTo(List.of()));
        owner.call().queryParam("max_per_page", "-2").get("/devices").then().statusCode(400);
        owner.call().queryParam("sort_by", "inc_mood").get("/devices").then().statusCode(400);
        Api.newAdmin()
                .call()
                .queryParam("appId", appId)
                .get("/devices")
                .then()
                .body("devices.uuid", hasItems(uuids.toArray()));
    }

    @Test
    void onlineComesFromPresenceInRedis() {
        Api owner = Api.newUser();
        String uuid = (String) owner.enrol(owner.createFleet()).get("uuid");
        owner.call().get("/devices/" + uuid).then().body("online", equalTo(false));

        // What the device link does while it holds the agent's connection.
        redis.send(Request.cmd(Command.SET)
                        .arg(presence.key(uuid))
                        .arg("coordinator-test 1")
                        .arg("EX")
                        .arg(60))
                .await()
                .atMost(Duration.ofSeconds(5));

        owner.call().get("/devices/" + uuid).then().body("online", equalTo(true));
        owner.call().get("/devices").then().body("devices[0].online", equalTo(true));
    }

    @Test
    void transitionsAreKeptNewestFirstAndBounded() {
        Api owner = Api.newUser();
        String uuid = (String) owner.enrol(owner.createFleet()).get("uuid");
        Instant start = Instant.parse("2026-11-01T10:00:00Z");
        for (int i = 0; i < 5; i++) {
            given().header("Authorization", TestTokens.service("coordinator"))
                    .contentType(ContentType.JSON)
                    .body(Map.of(
                            "online",
                            i % 2 == 0,
                            "at",
                            start.plusSeconds(60L * i).toString()))
                    .post("/internal/devices/" + uuid + "/transitions")
                    .then()
                    .statusCode(204);
        }

        // The test profile keeps three.
        owner.call()
                .get("/devices/" + uuid + "/history")
                .then()
                .statusCode(200)
                .body("transitions.online", equalTo(List.of(true, false, true)))
                .body("transitions[0].at", equalTo("2026-11-01T10:04:00Z"))
                .body("page_count", equalTo(1));
        owner.call()
                .queryParam("max_per_page", 2)
                .queryParam("page", 2)
                .get("/devices/" + uuid + "/history")
                .then()
                .body("transitions.at", equalTo(List.of("2026-11-01T10:02:00Z")));
        owner.call()
                .get("/devices/" + uuid)
                .then()
                .body("first_seen", equalTo("2026-11-01T10:00:00Z"))
                .body("last_seen", equalTo("2026-11-01T10:04:00Z"));

        given().header("Authorization", TestTokens.service("coordinator"))
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post("/internal/devices/" + uuid + "/transitions")
                .then()
                .statusCode(400);
        given().header("Authorization", TestTokens.service("coordinator"))
                .contentType(ContentType.JSON)
                .body(Map.of("online", true))
                .post("/internal/devices/" + "f".repeat(32) + "/transitions")
                .then()
                .statusCode(404);
    }

    @Test
    void theReportedStateIsKeptAsReported() {
        Api owner = Api.newUser();
        String uuid = (String) owner.enrol(owner.createFleet()).get("uuid");
        Map<String, Object> state = Map.of("status", "Idle", "commit", "v1", "services", Map.of("main", "Running"));

        given().header("Authorization", TestTokens.service("coordinator"))
                .contentType(ContentType.JSON)
                .body(state)
                .put("/internal/devices/" + uuid + "/reported-state")
                .then()
                .statusCode(204);

        owner.call()
                .get("/devices/" + uuid)
                .then()
                .body("reported_state", equalTo(state))
                .body("created_at", notNullValue());
    }

    @Test
    void onlyTheCoordinatorMayUseTheDeviceLinkRoutesAndNothingElseChangesADevice() {
        Api owner = Api.newUser();
        Map<String, Object> device = owner.enrol(owner.createFleet());
        String uuid = (String) device.get("uuid");
        String internal = "/internal/devices/";
        InternalRoutes.refuseAllButTheirCallers(
                "GET",
                internal + "by-credential/" + TokenHashes.sha256((String) device.get("credential")),
                null,
                "instances");
        InternalRoutes.refuseAllButTheirCallers("GET", internal + "by-cloud-identity/aws/i-1", null, "instances");
        InternalRoutes.refuseAllButTheirCallers("GET", internal + uuid + "/target-state", null, "workspaces");
        InternalRoutes.refuseAllButTheirCallers(
                "POST",
                internal + uuid + "/transitions",
                "{\"online\":true,\"at\":\"2030-01-01T00:00:00Z\"}",
                "instances");
        InternalRoutes.refuseAllButTheirCallers(
                "PUT", internal + uuid + "/reported-state", "{\"status\":\"forged\"}", "instances");

        owner.call()
                .get("/devices/" + uuid)
                .then()
                .statusCode(200)
                .body("last_seen", nullValue())
                .body("first_seen", nullValue())
                .body("reported_state.status", not(equalTo("forged")));
    }

    @Test
    void aNonNumericFleetFilterIsABadRequest() {
        Api.newUser()
                .call()
                .queryParam("appId", "seven")
                .get("/devices")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("appId must be a fleet's numeric id"));
    }
}
