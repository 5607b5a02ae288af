package dev.rigfleet.common.http;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.auth.RevocationList;
import dev.rigfleet.common.auth.RevokedTokens;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.RevocationOwnerStub;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class CommonHttpTest {

    @Inject
    RevokedTokens revokedTokens;

    private static String newUser() {
        return UUID.randomUUID().toString();
    }

    @Test
    void validTokenIsAccepted() {
        given().auth()
                .oauth2(TestTokens.user(newUser(), "user"))
                .get("/probe/secure")
                .then()
                .statusCode(200);
    }

    @Test
    void missingTokenGetsTheClientsWrongTokenMessage() {
        given().get("/probe/secure")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error_message", equalTo("wrong authorization token"))
                .body("status", equalTo(401))
                .body("request_id", notNullValue());
    }

    @Test
    void expiredTokenIsRefused() {
        given().auth()
                .oauth2(TestTokens.expired(newUser()))
                .get("/probe/secure")
                .then()
                .statusCode(401);
    }

    @Test
    void tokenSignedWithAnotherKeyIsRefused() {
        given().auth()
                .oauth2(TestTokens.signedByStranger(newUser()))
                .get("/probe/secure")
                .then()
                .statusCode(401);
    }

    @Test
    void deviceTokenIsRefusedByUserApis() {
        given().auth()
                .oauth2(TestTokens.deviceAudience(newUser()))
                .get("/probe/secure")
                .then()
                .statusCode(401);
    }

    @Test
    void garbageTokenIsRefused() {
        given().auth().oauth2("not.a.jwt").get("/probe/secure").then().statusCode(401);
    }

    @Test
    void missingScopeIsForbidden() {
        given().auth()
                .oauth2(TestTokens.user(newUser(), "user"))
                .get("/probe/admin")
                .then()
                .statusCode(403)
                .body("error", equalTo("forbidden"));
    }

    @Test
    void tokenRevokedByEventIsRefused() {
        String token = TestTokens.user(newUser(), "user");
        given().auth().oauth2(token).get("/probe/secure").then().statusCode(200);

        revokedTokens
                .announce(List.of(new RevocationList.Entry(
                        TokenHashes.sha256(token),
                        Instant.now().plusSeconds(600).getEpochSecond())))
                .await()
                .atMost(Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        given().auth().oauth2(token).get("/probe/secure").then().statusCode(401));
    }

    @Test
    void tokenOnTheOwnersListIsRefusedAfterThePeriodicReload() {
        String token = TestTokens.user(newUser(), "user");
        given().auth().oauth2(token).get("/probe/secure").then().statusCode(200);

        RevocationOwnerStub.revoke(
                TokenHashes.sha256(token), Instant.now().plusSeconds(600).getEpochSecond());
        // No announcement and no reconnect: only the periodic reload (every second here) can find it.

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        given().auth().oauth2(token).get("/probe/secure").then().statusCode(401));
    }

    @Test
    void bothVendorMediaTypesSelectVersionOne() {
        for (String type : List.of("application/vnd.rigfleet.v1+json", "application/vnd.rerobots.v1+json")) {
            given().accept(type).get("/probe/open").then().statusCode(200).body("ok", equalTo(true));
        }
        given().get("/probe/open").then().statusCode(200);
        given().accept("*/*").get("/probe/open").then().statusCode(200);
    }

    @Test
    void unknownVersionIsNotAcceptable() {
        given().accept("application/vnd.rerobots.v2+json")
                .get("/probe/open")
                .then()
                .statusCode(406)
                .contentType(ContentType.JSON)
                .body("error", equalTo("unsupported_version"))
                .body("error_message", containsString("v2"));
    }

    @Test
    void requestIdIsEchoedOrMade() {
        given().header("X-Request-Id", "abc-123").get("/probe/open").then().header("X-Request-Id", "abc-123");
        given().get("/probe/open").then().header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
        given().header("X-Request-Id", "no spaces <allowed>")
                .get("/probe/open")
                .then()
                .header("X-Request-Id", matchesPattern("[0-9a-f-]{36}"));
    }

    @Test
    void errorBodyCarriesTheRequestId() {
        given().header("X-Request-Id", "trace-me").get("/probe/secure").then().body("request_id", equalTo("trace-me"));
    }

    @Test
    void malformedJsonIsABadRequest() {
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"a\", ")
                .post("/probe/orders")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_json"))
                .body("error_message", equalTo("the request body is not valid JSON"));
    }

    @Test
    void wrongTypeNamesTheField() {
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"a\", \"count\": \"many\"}")
                .post("/probe/orders")
                .then()
                .statusCode(400)
                .body("error_message", containsString("'count'"))
                .body("error_message", not(containsString("java")));
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"a\", \"count\": 1, \"tags\": {\"x\": 1}}")
                .post("/probe/orders")
                .then()
                .statusCode(400)
                .body("error_message", containsString("'tags'"));
    }

    @Test
    void missingFieldsAreNamed() {
        given().contentType(ContentType.JSON)
                .body("{\"count\": 0}")
                .post("/probe/orders")
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_message", containsString("name"))
                .body("error_message", containsString("count"));
        given().contentType(ContentType.JSON)
                .post("/probe/orders")
                .then()
                .statusCode(400)
                .body("error_message", notNullValue());
    }

    @Test
    void wrongContentTypeIsUnsupported() {
        given().contentType(ContentType.TEXT)
                .body("name=a")
                .post("/probe/orders")
                .then()
                .statusCode(415)
                .body("error_message", containsString("application/json"));
    }

    @Test
    void oversizedBodyIsRefusedWithJsonBeforeItIsRead() {
        String big = "{\"name\": \"" + "x".repeat(8 * 1024) + "\", \"count\": 1}";
        given().contentType(ContentType.JSON)
                .header("X-Request-Id", "big-one")
                .body(big)
                .post("/probe/orders")
                .then()
                .statusCode(413)
                .body("error", equalTo("request_entity_too_large"))
                .body("error_message", equalTo("request body too large; the limit is 4096 bytes"))
                .body("request_id", equalTo("big-one"));
    }

    @Test
    void unknownPathAndMethodGetJsonErrors() {
        given().get("/probe/nothing-here").then().statusCode(404).body("error_message", equalTo("no such resource"));
        given().delete("/probe/open").then().statusCode(405).body("status", equalTo(405));
    }

    @Test
    void unexpectedFailureHidesInternals() {
        given().get("/probe/broken")
                .then()
                .statusCode(500)
                .body("error", equalTo("internal_error"))
                .body("error_message", not(containsString("Secret")))
                .body("error_message", not(containsString("Exception")));
    }

    @Test
    void pagingFollowsTheSpec() {
        given().get("/probe/numbers").then().body("page_count", equalTo(1)).body("numbers.size()", equalTo(10));
        given().queryParam("max_per_page", 4)
                .get("/probe/numbers")
                .then()
                .body("page_count", equalTo(3))
                .body("numbers", equalTo(List.of(1, 2, 3, 4)));
        given().queryParam("max_per_page", 4)
                .queryParam("page", 99)
                .get("/probe/numbers")
                .then()
                .body("numbers", equalTo(List.of(9, 10)));
        given().queryParam("max_per_page", -1).get("/probe/numbers").then().statusCode(400);
        given().queryParam("page", "two")
                .get("/probe/numbers")
                .then()
                .statusCode(400)
                .body("error_message", containsString("page"));
    }

    @Test
    void everyAnswerCarriesRateLimitHeaders() {
        Response first = given().get("/probe/open");
        long limit = Long.parseLong(first.header("X-RateLimit-Limit"));
        assertEquals(50000, limit, "the /probe class, not the default");
        long remaining = Long.parseLong(first.header("X-RateLimit-Remaining"));
        long reset = Long.parseLong(first.header("X-RateLimit-Reset"));
        assertTrue(remaining < limit, "M < N");
        assertTrue(reset > Instant.now().getEpochSecond() - 1);
        Response second = given().get("/probe/open");
        assertEquals(remaining - 1, Long.parseLong(second.header("X-RateLimit-Remaining")));
        given().get("/probe/secure").then().statusCode(401).header("X-RateLimit-Limit", notNullValue());
        given().get("/probe/nothing-here").then().statusCode(404).header("X-RateLimit-Limit", notNullValue());
        given().get("/q/health/live").then().header("X-RateLimit-Limit", nullValue());
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/probe")
                .then()
                .statusCode(200)
                .header("X-RateLimit-Limit", nullValue());
    }

    @Test
    void limitedRouteAnswers429UntilTheWindowEnds() {
        String token = TestTokens.user(newUser(), "user");
        for (int expectedRemaining = 2; expectedRemaining >= 0; expectedRemaining--) {
            given().auth()
                    .oauth2(token)
                    .get("/probe/limited")
                    .then()
                    .statusCode(200)
                    .header("X-RateLimit-Limit", "3")
                    .header("X-RateLimit-Remaining", String.valueOf(expectedRemaining));
        }
        given().auth()
                .oauth2(token)
                .get("/probe/limited")
                .then()
                .statusCode(429)
                .header("X-RateLimit-Remaining", "0")
                .header("Retry-After", notNullValue())
                .body("error", equalTo("rate_limited"));
        // Another principal has an allowance of its own.
        given().auth()
                .oauth2(TestTokens.user(newUser(), "user"))
                .get("/probe/limited")
                .then()
                .statusCode(200);
    }

    @Test
    void healthMetricsAndOpenApiAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItems("token revocations"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("rigfleet_bus_sent_total"));
        given().get("/q/openapi").then().statusCode(200);
    }
}
