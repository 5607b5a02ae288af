package dev.rigfleet.workspaces;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;

/** Creates users and tokens through the API, as a client would. */
public final class Accounts {

    public static final String PASSWORD = "correct horse battery";

    private Accounts() {}

    public static String adminToken() {
        return token("admin", "admin-password");
    }

    /** A user with a token of its own. */
    public record Account(UUID id, String name, String token) {}

    /** A new user with a fresh name; returns the name. */
    public static String newUser() {
        return newAccount().name();
    }

    /** A new user with a fresh name, and a token of theirs. */
    public static Account newAccount() {
        String username = "u" + UUID.randomUUID().toString().substring(0, 12);
        String id = given().auth()
                .oauth2(adminToken())
                .contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", PASSWORD))
                .post("/users")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        return new Account(UUID.fromString(id), username, token(username, PASSWORD));
    }

    public static String token(String user, String password) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", password))
                .post("/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
    }
}
