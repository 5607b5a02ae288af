package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;

import dev.rigfleet.common.testing.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A user of the registry API in tests: their token, and the calls every test makes. */
record Api(String userId, String token) {

    static Api newUser() {
        String id = UUID.randomUUID().toString();
        return new Api(id, TestTokens.user(id, "user"));
    }

    static Api newAdmin() {
        String id = UUID.randomUUID().toString();
        return new Api(id, TestTokens.user(id, "user", "admin"));
    }

    RequestSpecification call() {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    long createFleet(String name) {
        return call().body(Map.of("name", name))
                .post("/fleets")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getLong("appId");
    }

    long createFleet() {
        return createFleet("fleet-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** A release with one local-process service named {@code main}. */
    long createRelease(long appId, String commit) {
        Map<String, Object> service = Map.of(
                "name",
                "main",
                "command",
                List.of("/bin/sh", "-c", "sleep 3600"),
                "environment",
                Map.of("MODE", "release"));
        return call().body(Map.of("commit", commit, "services", List.of(service)))
                .post("/fleets/" + appId + "/releases")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getLong("releaseId");
    }

    String createKey(long appId, int maxUses) {
        return call().body(Map.of("max_uses", maxUses))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .statusCode(201)
                .extract()
                .path("provisioning_key");
    }

    /** Enrols a device into the fleet; answers {uuid, deviceId, appId, name, credential}. */
    Map<String, Object> enrol(long appId) {
        return provision(createKey(appId, 1));
    }

    static Map<String, Object> provision(String key) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("provisioning_key", key))
                .post("/provision")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getMap("");
    }

    long targetVersion(String uuid) {
        return call().get("/devices/" + uuid + "/target-state")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("version");
    }
}
