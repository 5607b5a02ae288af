package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A fleet and its provisioning key, made through a registry replica as an owner would. */
record Fleets(long appId, String provisioningKey) {

    static Fleets create(Stack stack, String ownerToken, String name, int keyUses) {
        String registry = stack.registryA.url();
        long appId = given().auth()
                .oauth2(ownerToken)
                .contentType(ContentType.JSON)
                .body(Map.of("name", name))
                .post(registry + "/fleets")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getLong("appId");
        String key = given().auth()
                .oauth2(ownerToken)
                .contentType(ContentType.JSON)
                .body(Map.of("max_uses", keyUses))
                .post(registry + "/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(201)
                .extract()
                .path("provisioning_key");
        return new Fleets(appId, key);
    }

    /** Enrols a device with the key, as an agent does: its {@code uuid}, {@code credential} and the rest. */
    static io.restassured.path.json.JsonPath enrol(Stack stack, String provisioningKey) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("provisioning_key", provisioningKey))
                .post(stack.registryA.url() + "/provision")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
    }

    /** Waits until the fleet's one device is online (an agent dialled home); answers its uuid. */
    static String awaitOnlyDeviceOnline(Stack stack, String ownerToken, long appId, Duration within) {
        return await().atMost(within)
                .until(
                        () -> {
                            List<Map<String, Object>> devices = given().auth()
                                    .oauth2(ownerToken)
                                    .queryParam("appId", appId)
                                    .get(stack.registryA.url() + "/devices")
                                    .then()
                                    .extract()
                                    .jsonPath()
                                    .getList("devices");
                            return devices.size() == 1
                                            && Boolean.TRUE.equals(
                                                    devices.get(0).get("online"))
                                    ? (String) devices.get(0).get("uuid")
                                    : null;
                        },
                        uuid -> uuid != null);
    }
}
