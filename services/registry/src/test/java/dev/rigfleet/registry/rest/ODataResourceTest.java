package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.rigfleet.common.redis.Presence;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** balena's OData API as balena-sdk reads it: the forms it sends, scoped to the caller, and clear 400s for the rest. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class ODataResourceTest {

    @Inject
    Redis redis;

    @Inject
    Presence presence;

    @Test
    void theSdksDeviceLookupsFindTheCallersDevice() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> device = owner.enrol(appId);
        String uuid = (String) device.get("uuid");
        long deviceId = ((Number) device.get("deviceId")).longValue();
        report(
                uuid,
                Map.of("supervisor_version", "6.6.0", "os_version", "Debian 12", "ip_address", List.of("10.0.0.7")));
        online(uuid);

        owner.call()
                .get("/v7/device(uuid='" + uuid + "')?$select=id&$expand=belongs_to__application($select=id)")
                .then()
                .statusCode(200)
                .body("d", hasSize(1))
                .body("d[0]", equalTo(Map.of("id", (int) deviceId, "belongs_to__application", List.of(Map.of("id", (int)
                        appId)))));
        owner.call()
                .get("/v7/device(uuid='" + uuid + "')?$select=uuid")
                .then()
                .body("d[0]", equalTo(Map.of("uuid", uuid)));
        // Below 7.0.0 balena-sdk would call a route rigfleet does not serve: the proxy's routes are 7.0.0's.
        owner.call()
                .get("/v7/device(uuid='" + uuid + "')?$select=id,supervisor_version")
                .then()
                .body("d[0].supervisor_version", equalTo("7.0.0"));
        owner.call()
                .get("/v7/device(" + deviceId + ")")
                .then()
                .body("d[0].uuid", equalTo(uuid))
                .body("d[0].device_name", equalTo(device.get("name")))
                .body("d[0].is_online", equalTo(true))
                .body("d[0].api_heartbeat_state", equalTo("online"))
                .body("d[0].os_version", equalTo("Debian 12"))
                .body("d[0].ip_address", equalTo("10.0.0.7"))
                .body("d[0].belongs_to__application", equalTo(Map.of("__id", (int) appId)));
        owner.call()
                .get("/v7/application(" + appId + ")?$select=id")
                .then()
                .body("d", equalTo(List.of(Map.of("id", (int) appId))));
    }

    @Test
    void theSdksFiltersSelectWhatTheySay() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        long otherFleet = owner.createFleet();
        String first = (String) owner.enrol(appId).get("uuid");
        String second = (String) owner.enrol(appId).get("uuid");
        String elsewhere = (String) owner.enrol(otherFleet).get("uuid");
        owner.call()
                .body(Map.of("name", "rig-b"))
                .patch("/devices/" + second)
                .then()
                .statusCode(200);
        owner.call()
                .body(Map.of("name", "rig-a"))
                .patch("/devices/" + first)
                .then()
                .statusCode(200);

        owner.call()
                // pine's form, as balena-sdk's getAllByApplication sends it.
                .get("/v7/device?$orderby=device_name asc&$filter=belongs_to__application eq " + appId)
                .then()
                .statusCode(200)
                .body("d.uuid", equalTo(List.of(first, second)));
        owner.call()
                .get("/v7/device?$orderby=device_name desc&$filter=belongs_to__application/id eq " + appId)
                .then()
                .body("d.uuid", equalTo(List.of(second, first)));
        owner.call()
                .get("/v7/device?$filter=startswith(uuid,'" + elsewhere.substring(0, 10) + "')")
                .then()
                .body("d.uuid", equalTo(List.of(elsewhere)));
        owner.call()
                .get("/v7/device?$orderby=device_name asc&$filter=device_name eq 'rig-b'")
                .then()
                .body("d.uuid", equalTo(List.of(second)));
        owner.call()
                .get("/v7/device?$filter=device_name eq 'rig-a' or uuid eq '" + elsewhere
                        + "'&$orderby=id&$select=uuid")
                .then()
                .body("d.uuid", equalTo(List.of(first, elsewhere)));
        owner.call()
                .get("/v7/device?$filter=not (belongs_to__application/id eq " + appId + ")&$select=uuid")
                .then()
                .body("d.uuid", equalTo(List.of(elsewhere)));
        owner.call()
                .get("/v7/device?$filter=belongs_to__application/id in (" + appId + ", " + otherFleet
                        + ")&$top=2&$skip=1")
                .then()
                .body("d", hasSize(2));
        // LIKE's wildcards in the text match only themselves.
        owner.call().get("/v7/device?$filter=contains(device_name,'%')").then().body("d", hasSize(0));
        owner.call()
                .get("/v7/device?$filter=contains(tolower(device_name),'rig-')")
                .then()
                .body("d", hasSize(2));
    }

    @Test
    void anotherOwnersDevicesAndFleetsAreNotThere() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> device = owner.enrol(appId);
        String uuid = (String) device.get("uuid");
        Api stranger = Api.newUser();

        for (String path : List.of(
                "/v7/device(uuid='" + uuid + "')",
                "/v7/device(" + device.get("deviceId") + ")",
                "/v7/device?$filter=uuid eq '" + uuid + "'",
                "/v7/device?$filter=belongs_to__application eq " + appId,
                "/v7/device(" + device.get("deviceId") + ")?$filter=id ne 0",
                "/v7/device%28uuid%3D%27" + uuid + "%27%29",
                "/v7/application(" + appId + ")")) {
            stranger.call()
                    .urlEncodingEnabled(false)
                    .get(raw(path))
                    .then()
                    .statusCode(200)
                    .body("d", hasSize(0));
            owner.call()
                    .urlEncodingEnabled(false)
                    .get(raw(path))
                    .then()
                    .statusCode(200)
                    .body("d", hasSize(1));
        }
        // Path variants are refused, never answered with someone's device.
        for (String variant : List.of(
                "/v7/device(uuid='" + uuid + "')/",
                "/v7/device(uuid='" + uuid + "');x=1",
                "/v7/device(" + device.get("deviceId") + ")/belongs_to__application")) {
            stranger.call()
                    .log()
                    .ifValidationFails()
                    .urlEncodingEnabled(false)
                    .get(raw(variant))
                    .then()
                    .statusCode(400)
                    .body("error_message", containsString("OData resources"));
        }
        // Neither no token nor a service's identity is a user.
        given().get("/v7/device(uuid='" + uuid + "')").then().statusCode(401);
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/v7/device(uuid='" + uuid + "')")
                .then()
                .statusCode(401);
    }

    @Test
    void odataThatIsNotServedIsAClear400() {
        Api owner = Api.newUser();
        owner.enrol(owner.createFleet());
        Map<String, String> refusals = Map.ofEntries(
                Map.entry("/v7/device?$select=nope", "unsupported OData query"),
                Map.entry("/v7/device?$count=true", "unsupported OData query option $count"),
                Map.entry("/v7/device?$search=x", "unsupported OData query option $search"),
                Map.entry("/v7/device?apikey=x", "unsupported OData query option apikey"),
                Map.entry("/v7/device?$filter=is_online eq true", "cannot filter or order on is_online"),
                Map.entry("/v7/device?$filter=uuid", "must be boolean"),
                Map.entry("/v7/device?$filter=length(uuid) eq 32", "function length is not supported"),
                Map.entry("/v7/device?$filter=id add 1 eq 2", "operator add is not supported"),
                Map.entry("/v7/device?$filter=uuid eq 3", "unsupported OData query"),
                Map.entry("/v7/device?$filter=uuid eq 'x", "unsupported OData query"),
                Map.entry("/v7/device?$filter=belongs_to__application/nope eq 3", "unsupported OData query"),
                Map.entry("/v7/device?$expand=*", "only device can be expanded"),
                Map.entry("/v7/application?$expand=belongs_to__application", "unsupported OData query"),
                Map.entry("/v7/device?$expand=belongs_to__application($filter=id eq 1)", "takes $select only"),
                Map.entry("/v7/device?$orderby=is_online", "cannot filter or order on is_online"),
                Map.entry("/v7/device?$top=-1", "unsupported OData query"),
                Map.entry("/v7/application(uuid='x')", "keyed by its id"),
                Map.entry("/v7/release", "OData resources"),
                Map.entry("/v7/device(99999999999999999999)", "OData resources"),
                Map.entry("/v7/device(uuid='a%00b')", "NUL"));
        refusals.forEach((path, message) -> owner.call()
                .urlEncodingEnabled(false)
                .get(raw(path))
                .then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error_message", containsString(message)));
        // A quote inside a key is written twice, as in OData; it finds nothing rather than breaking the query.
        owner.call().get("/v7/device(uuid='it''s')").then().statusCode(200).body("d", hasSize(0));
        owner.call()
                .get("/v7/device?$filter=device_name eq null")
                .then()
                .statusCode(200)
                .body("d", hasSize(0));
        owner.call().get("/v7/device?$top=0").then().statusCode(200).body("d", hasSize(0));
        owner.call().get("/v7/device(1)?$select=*").then().statusCode(200).body("d[0]", nullValue());
    }

    /** The path as a client sends it: spaces and quotes percent-encoded, the rest as written. */
    private static String raw(String path) {
        return path.replace(" ", "%20").replace("'", "%27");
    }

    private static void report(String uuid, Map<String, Object> state) {
        given().header("Authorization", TestTokens.service("coordinator"))
                .contentType(ContentType.JSON)
                .body(state)
                .put("/internal/devices/" + uuid + "/reported-state")
                .then()
                .statusCode(204);
    }

    private void online(String uuid) {
        redis.send(Request.cmd(Command.SET)
                        .arg(presence.key(uuid))
                        .arg("coordinator-test 1")
                        .arg("EX")
                        .arg(60))
                .await()
                .atMost(Duration.ofSeconds(5));
    }
}
