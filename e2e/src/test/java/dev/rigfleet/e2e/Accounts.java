package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/** Users and tokens, made through the workspaces API as a client would. */
final class Accounts {

    static final String PASSWORD = "e2e-user-password";

    private Accounts() {}

    /** A token of a new user. */
    static String newUserToken(Stack stack) {
        return token(stack, newUser(stack), PASSWORD);
    }

    /** The name of a new user, whose password is {@link #PASSWORD}. */
    static String newUser(Stack stack) {
        String username = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        given().auth()
                .oauth2(adminToken(stack))
                .contentType(ContentType.JSON)
                .body(Map.of("username", username, "password", PASSWORD))
                .post(stack.workspaces.url() + "/users")
                .then()
                .statusCode(201);
        return username;
    }

    /** A token of the stack's admin. */
    static String adminToken(Stack stack) {
        return token(stack, Stack.ADMIN, Stack.ADMIN_PASSWORD);
    }

    private static String token(Stack stack, String user, String password) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", password))
                .post(stack.workspaces.url() + "/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
    }

    /** Lower-case hex SHA-256, as rigfleet names tokens and credentials. */
    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
