package dev.rigfleet.workspaces.rest;

import static dev.rigfleet.common.testing.ErrorBodies.assertInvalidJson;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.ServiceBasicsContract;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.RegistryStub;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class UserResourceTest implements ServiceBasicsContract {

    @Test
    void adminCreatesAUser() {
        given().auth()
                .oauth2(Accounts.adminToken())
                .contentType(ContentType.JSON)
                .body(Map.of("username", "ada", "password", "analytical-engine"))
                .post("/users")
                .then()
                .statusCode(201)
                .body("id", notNullValue())
                .body("username", equalTo("ada"))
                .body("admin", equalTo(false));

        given().auth()
                .oauth2(Accounts.adminToken())
                .contentType(ContentType.JSON)
                .body(Map.of("username", "ada", "password", "another-password"))
                .post("/users")
                .then()
                .statusCode(409);

        Accounts.token("ada", "analytical-engine");
    }

    @Test
    void concurrentCreationsOfOneNameGiveOneUserAndConflicts() throws Exception {
        String admin = Accounts.adminToken();
        Map<String, String> body = Map.of("username", "twin", "password", "same-password-twice");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Integer>> attempts = IntStream.range(0, 4)
                    .<Callable<Integer>>mapToObj(i -> () -> given().auth()
                            .oauth2(admin)
                            .contentType(ContentType.JSON)
                            .body(body)
                            .post("/users")
                            .statusCode())
                    .toList();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> attempt : pool.invokeAll(attempts)) {
                statuses.add(attempt.get());
            }
            assertEquals(1, statuses.stream().filter(status -> status == 201).count(), statuses.toString());
            assertEquals(3, statuses.stream().filter(status -> status == 409).count(), statuses.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void onlyAdminsCreateUsers() {
        String userToken = Accounts.token(Accounts.newUser(), Accounts.PASSWORD);
        Map<String, String> body = Map.of("username", "mallory", "password", "long-enough-password");
        given().auth()
                .oauth2(userToken)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/users")
                .then()
                .statusCode(403);
        given().contentType(ContentType.JSON).body(body).post("/users").then().statusCode(401);
    }

    @Test
    void invalidUsersAreRefusedWithTheFieldNamed() {
        String admin = Accounts.adminToken();
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(Map.of("username", "Bad Name!", "password", "short"))
                .post("/users")
                .then()
                .statusCode(400)
                .body("error_message", containsString("username"))
                .body("error_message", containsString("password"));
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body("{\"password\": \"long-enough-password\"}")
                .post("/users")
                .then()
                .statusCode(400)
                .body("error_message", containsString("username"));
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body("{\"username\": \"bob\", \"password\": \"long-enough-password\", \"admin\": \"maybe\"}")
                .post("/users")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("field 'admin' is missing or has the wrong type"));
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body("{\"username\": \"bob\", \"password\": \"" + "é".repeat(40) + "\"}")
                .post("/users")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("password must be at most 72 bytes"));
    }

    private static void refused(String admin, String body, String message) {
        assertInvalidJson(
                        given().auth()
                                .oauth2(admin)
                                .contentType(ContentType.JSON)
                                .body(body)
                                .post("/users")
                                .then(),
                        message)
                .body("id", nullValue());
    }

    /**
     * An admin's token with an allowance of its own: the rate limiter counts a caller by the token's user, and the
     * suite spends the bootstrap admin's (60 a minute on /users and /token).
     */
    private static String admin() {
        return TestTokens.user(UUID.randomUUID().toString(), "user", "admin");
    }

    /** No user of that name has that password: none was made. */
    private static void noSuchUser(String username) {
        given().auth()
                .oauth2(TestTokens.user(UUID.randomUUID().toString(), "user"))
                .contentType(ContentType.JSON)
                .body(Map.of("user", username, "password", "long-enough-password"))
                .post("/token")
                .then()
                .statusCode(401)
                .body("error_message", equalTo("wrong user or password"));
    }

    @Test
    void wrongTypesAreRefusedAndCreateNoUser() {
        String admin = admin();
        // This made a user named "true".
        refused(
                admin,
                "{\"username\": true, \"password\": \"long-enough-password\"}",
                "field 'username' is missing or has the wrong type");
        refused(
                admin,
                "{\"username\": \"one-admin\", \"password\": \"long-enough-password\", \"admin\": 1}",
                "field 'admin' is missing or has the wrong type");
        refused(
                admin,
                "{\"username\": \"numbered\", \"password\": 12345678}",
                "field 'password' is missing or has the wrong type");
        noSuchUser("true");
        noSuchUser("one-admin");
    }

    @Test
    void textThatCannotBeStoredOrKeysGivenTwiceCreateNoUser() {
        String admin = admin();
        refused(
                admin,
                "{\"username\": \"nul\\u0000name\", \"password\": \"long-enough-password\"}",
                "field 'username' contains U+0000 (NUL), which is not accepted");
        refused(
                admin,
                "{\"username\": \"surrogate\", \"password\": \"long-enough-\\udfffpassword\"}",
                "field 'password' contains an unpaired UTF-16 surrogate (U+DFFF), which is not accepted");
        refused(
                admin,
                "{\"username\": \"first-name\", \"password\": \"long-enough-password\", \"username\":"
                        + " \"second-name\"}",
                "field 'username' is given more than once; give each field once");
        noSuchUser("first-name");
        noSuchUser("second-name");
    }

    @Test
    void oversizedBodyIsRefusedWithJson() {
        given().auth()
                .oauth2(Accounts.adminToken())
                .contentType(ContentType.JSON)
                .body("{\"username\": \"" + "x".repeat(32 * 1024) + "\"}")
                .post("/users")
                .then()
                .statusCode(413)
                .body("error", equalTo("request_entity_too_large"));
    }

    @Test
    void readinessIncludesTheDatabase() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.name", hasItems("Reactive PostgreSQL connections health check"));
    }
}
