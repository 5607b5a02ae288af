package dev.rigfleet.workspaces;

import static io.restassured.RestAssured.given;

import dev.rigfleet.common.testing.TestTokens;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;

/**
 * Creates users and tokens through the API, as a client would; or mints tokens as the service issues them, for the
 * hardware routes, which need only a valid token (minting spares the login routes' rate limit).
 */
public final class Accounts {

    public static final String PASSWORD = "correct horse battery";

    private Accounts() {}

    public static String adminToken() {
        return token("admin", "admin-password");
    }

    /** A user with a token of its own. */
    public record Account(UUID id, String name, String token) {}

    /** Someone signed in, with a minted token that names them. */
    public static Account someone() {
        UUID id = UUID.randomUUID();
        String name = "u" + id.toString().substring(0, 12);
        return new Account(id, name, TestTokens.named(id.toString(), name, "user"));
    }

    /** An admin's minted token. */
    public static String mintedAdmin() {
        return TestTokens.named(UUID.randomUUID().toString(), "an_admin", "user", "admin");
    }

    /** A new user with a fresh name; returns the name. */
    public static String newUser() {
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
