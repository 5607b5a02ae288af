package dev.rigfleet.workspaces.rest;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;

/** Creates users and tokens through the API, as a client would. */
final class Accounts {

    static final String PASSWORD = "correct horse battery";

    private Accounts() {}

    static String adminToken() {
        return token("admin", "admin-password");
    }

    /** A new user with a fresh name; returns the name. */
    static String newUser() {
        String username = "u" + UUID.randomUUID().toString().substring(0, 12);
        given().auth()
                .oauth2(adminToken())
                .contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", PASSWORD))
                .post("/users")
                .then()
                .statusCode(201);
        return username;
    }

    static String token(String user, String password) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", password))
                .post("/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
    }
}
