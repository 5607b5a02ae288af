package dev.rigfleet.workspaces.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.ServiceBasicsContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
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
