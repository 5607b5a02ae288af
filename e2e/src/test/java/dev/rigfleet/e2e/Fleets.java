package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
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
}
