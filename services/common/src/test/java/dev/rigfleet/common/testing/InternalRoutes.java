package dev.rigfleet.common.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** What every {@code /internal} route must refuse: every caller but the services it names. */
public final class InternalRoutes {

    private InternalRoutes() {}

    /**
     * Asserts that {@code method path} (with {@code jsonBody} when not null) answers 401 to no token, a user token,
     * a device token and a forged service token, and 403 to a valid token of the service {@code notAllowed}; spelled
     * with a trailing slash, a double slash or matrix parameters, it answers the same or 404.
     */
    public static void refuseAllButTheirCallers(String method, String path, String jsonBody, String notAllowed) {
        Map<String, String> unauthenticated = new LinkedHashMap<>();
        unauthenticated.put("no token", null);
        unauthenticated.put(
                "a user token", "Bearer " + TestTokens.user(UUID.randomUUID().toString(), "user", "admin"));
        unauthenticated.put(
                "a device token",
                "Bearer " + TestTokens.deviceAudience(UUID.randomUUID().toString()));
        unauthenticated.put("a forged service token", TestTokens.forgedService(notAllowed));
        unauthenticated.forEach((who, authorization) -> request(authorization, jsonBody)
                .request(method, path)
                .then()
                .statusCode(401)
                .contentType(ContentType.JSON)
                .body("status", equalTo(401)));
        request(TestTokens.service(notAllowed), jsonBody)
                .request(method, path)
                .then()
                .statusCode(403)
                .contentType(ContentType.JSON)
                .body("error_message", equalTo("the " + notAllowed + " service may not call this route"));
        // However the path is spelled, it reaches the same resource and its check, or nothing.
        for (String variant :
                new String[] {path + "/", path + ";x=1", "/" + path, path.replaceFirst("/internal", "/internal;x=1")}) {
            unauthenticated.forEach((who, authorization) -> request(authorization, jsonBody)
                    .request(method, variant)
                    .then()
                    .statusCode(anyOf(equalTo(401), equalTo(404))));
            request(TestTokens.service(notAllowed), jsonBody)
                    .request(method, variant)
                    .then()
                    .statusCode(anyOf(equalTo(403), equalTo(404)));
        }
    }

    private static RequestSpecification request(String authorization, String jsonBody) {
        RequestSpecification request = given().urlEncodingEnabled(false);
        if (authorization != null) {
            request = request.header("Authorization", authorization);
        }
        if (jsonBody != null) {
            request = request.contentType(ContentType.JSON).body(jsonBody);
        }
        return request;
    }
}
