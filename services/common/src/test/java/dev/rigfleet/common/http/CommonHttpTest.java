package dev.rigfleet.common.http;

import static dev.rigfleet.common.testing.ErrorBodies.assertInvalidJson;
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
import dev.rigfleet.common.ratelimit.RateLimitConfig;
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
    RateLimitConfig rateLimits;

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

    private static void refusedAsInvalidJson(String body, String message) {
        assertInvalidJson(
                given().contentType(ContentType.JSON)
                        .body(body)
                        .post("/probe/orders")
                        .then(),
                message);
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        refusedAsInvalidJson(
                "{\"name\": \"a\", \"count\": 1, \"name\": \"b\"}",
                "field 'name' is given more than once; give each field once");
        // On a record whose fields are all set before the second key, Jackson used to fail with an empty 500.
        refusedAsInvalidJson(
                "{\"name\": \"a\", \"count\": 1, \"tags\": [], \"labels\": {}, \"urgent\": true, \"count\": 2}",
                "field 'count' is given more than once; give each field once");
        refusedAsInvalidJson(
                "{\"name\": \"a\", \"count\": 1, \"labels\": {\"x\": \"1\", \"x\": \"2\"}}",
                "field 'labels.x' is given more than once; give each field once");
    }

    @Test
    void scalarsAreNotCoerced() {
        for (String[] wrong : new String[][] {
            {"\"name\": true, \"count\": 1", "name"},
            {"\"name\": 7, \"count\": 1", "name"},
            {"\"name\": \"a\", \"count\": \"2\"", "count"},
            {"\"name\": \"a\", \"count\": 2.5", "count"},
            {"\"name\": \"a\", \"count\": 2.0", "count"},
            {"\"name\": \"a\", \"count\": \"\"", "count"},
            {"\"name\": \"a\", \"count\": true", "count"},
            {"\"name\": \"a\", \"count\": 1, \"urgent\": \"true\"", "urgent"},
            {"\"name\": \"a\", \"count\": 1, \"urgent\": 1", "urgent"},
            {"\"name\": \"a\", \"count\": 1, \"tags\": [1]", "tags[0]"},
            {"\"name\": \"a\", \"count\": 1, \"tags\": \"x\"", "tags"},
            {"\"name\": \"a\", \"count\": 1, \"labels\": {\"x\": false}", "labels.x"},
        }) {
            refusedAsInvalidJson("{" + wrong[0] + "}", "field '" + wrong[1] + "' is missing or has the wrong type");
        }
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"a\", \"count\": 3, \"tags\": [\"x\"], \"urgent\": false}")
                .post("/probe/orders")
                .then()
                .statusCode(200)
                .body("count", equalTo(3));
    }

    @Test
    void textThatCannotBeStoredIsRefusedWhileReading() {
        refusedAsInvalidJson(
                "{\"name\": \"a\\u0000b\", \"count\": 1}", "field 'name' contains U+0000 (NUL), which is not accepted");
        refusedAsInvalidJson(
                "{\"name\": \"a\\ud800\", \"count\": 1}",
                "field 'name' contains an unpaired UTF-16 surrogate (U+D800), which is not accepted");
        refusedAsInvalidJson(
                "{\"name\": \"\\udc00a\", \"count\": 1}",
                "field 'name' contains an unpaired UTF-16 surrogate (U+DC00), which is not accepted");
        refusedAsInvalidJson(
                "{\"name\": \"a\", \"count\": 1, \"tags\": [\"ok\", \"\\u0000\"]}",
                "field 'tags[1]' contains U+0000 (NUL), which is not accepted");
        refusedAsInvalidJson(
                "{\"name\": \"a\", \"count\": 1, \"labels\": {\"x\\u0000\": \"1\"}}",
                "field 'labels' has a key that contains U+0000 (NUL), which is not accepted");
        // A surrogate pair is an ordinary character.
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"rig \\ud83e\\udd16\", \"count\": 1}")
                .post("/probe/orders")
                .then()
                .statusCode(200)
                .body("name", equalTo("rig \uD83E\uDD16"));
    }

    @Test
    void nulOrUndecodableEscapesInThePathOrQueryAreRefused() {
        for (String[] target : new String[][] {
            {"/probe/echo/a%00b", "the path contains U+0000 (NUL), which is not accepted"},
            {"/probe/echo/%ff", "the path has a percent-encoding that is not valid UTF-8"},
            {"/probe/echo/%ed%a0%80", "the path has a percent-encoding that is not valid UTF-8"},
            {"/probe/echo/a?q=x%00", "query parameter 'q' contains U+0000 (NUL), which is not accepted"},
            {"/probe/echo/a?page=1&q=%c3%28", "query parameter 'q' has a percent-encoding that is not valid UTF-8"},
            {"/probe/echo/a?%00=1", "a query parameter's name contains U+0000 (NUL), which is not accepted"},
            {"/probe/numbers?page=%00", "query parameter 'page' contains U+0000 (NUL), which is not accepted"},
        }) {
            given().urlEncodingEnabled(false)
                    .get(target[0])
                    .then()
                    .statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("error", equalTo("bad_request"))
                    .body("error_message", equalTo(target[1]))
                    .body("request_id", notNullValue())
                    .header("X-RateLimit-Limit", notNullValue());
        }
        given().urlEncodingEnabled(false)
                .get("/probe/echo/%c3%a9t%c3%a9?q=10%25%20%e2%82%ac")
                .then()
                .statusCode(200)
                .body("word", equalTo("\u00e9t\u00e9"))
                .body("q", equalTo("10% \u20ac"));
    }

    @Test
    void brokenEscapeIsRefusedBeforeAnyApplicationCode() {
        // Quarkus checks the request target with java.net.URI before any handler of ours and answers an empty 400
        // (see RequestTargets); the entry proxy answers such requests with its own JSON error.
        assertEquals(400, RawHttp.send("GET /probe/echo/%zz HTTP/1.1", "").status());
        assertEquals(400, RawHttp.send("GET /probe/echo/a?q=%zz HTTP/1.1", "").status());
    }

    @Test
    void aBodyWithoutAJsonContentTypeIsUnsupported() {
        String order = "{\"name\": \"a\", \"count\": 1}";
        RawHttp untyped = RawHttp.send("POST /probe/orders HTTP/1.1", order);
        assertEquals(415, untyped.status(), untyped.body());
        assertEquals("unsupported_media_type", untyped.json().getString("error"));
        assertEquals(
                "a request body needs Content-Type: application/json",
                untyped.json().getString("error_message"));
        assertEquals(415, untyped.json().getInt("status"));

        given().contentType("text/plain")
                .body("lab-arms")
                .post("/probe/orders")
                .then()
                .statusCode(415)
                .body("error_message", equalTo("unsupported content type text/plain; send application/json"));
        given().contentType("application/x-www-form-urlencoded")
                .body("name=a&count=1")
                .post("/probe/orders")
                .then()
                .statusCode(415);

        for (String json : List.of(
                "application/json",
                "application/json; charset=utf-8",
                "Application/JSON",
                "application/merge-patch+json",
                "application/vnd.rigfleet.v1+json")) {
            given().contentType(json).body(order).post("/probe/orders").then().statusCode(200);
        }
    }

    @Test
    void aRequestWithoutABodyNeedsNoContentType() {
        assertEquals(200, RawHttp.send("POST /probe/touch HTTP/1.1", "").status());
        assertEquals(
                200,
                RawHttp.send("POST /probe/touch HTTP/1.1\r\nContent-Length: 0", "")
                        .status());
        assertEquals(
                200,
                RawHttp.send("POST /probe/touch HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 0", "")
                        .status());
        given().post("/probe/touch").then().statusCode(200);
    }

    @Test
    void aLenientRouteReadsAnyBodyAsJson() {
        String order = "{\"name\": \"a\", \"count\": 2}";
        RawHttp untyped = RawHttp.send("POST /probe/lenient-orders HTTP/1.1", order);
        assertEquals(200, untyped.status(), untyped.body());
        assertEquals(2, untyped.json().getInt("count"));
        given().contentType("text/plain")
                .body(order)
                .post("/probe/lenient-orders")
                .then()
                .statusCode(200)
                .body("name", equalTo("a"));
        // Still JSON, under the same rules.
        RawHttp notJson = RawHttp.send("POST /probe/lenient-orders HTTP/1.1", "name=a&count=2");
        assertEquals(400, notJson.status(), notJson.body());
        assertEquals("invalid_json", notJson.json().getString("error"));
        RawHttp twice = RawHttp.send("POST /probe/lenient-orders HTTP/1.1", "{\"name\": \"a\", \"name\": \"b\"}");
        assertEquals(400, twice.status(), twice.body());
    }

    @Test
    void anEmptyOrMalformedContentTypeIsABadRequest() {
        for (String request : List.of(
                "POST /probe/orders HTTP/1.1\r\nContent-Type:",
                "POST /probe/orders HTTP/1.1\r\nContent-Type: ;;;",
                "POST /probe/orders HTTP/1.1\r\nContent-Type: application/",
                "GET /probe/open HTTP/1.1\r\nContent-Type:")) {
            RawHttp answer = RawHttp.send(request, request.startsWith("POST") ? "{\"name\": \"a\", \"count\": 1}" : "");
            assertEquals(400, answer.status(), request + " -> " + answer.body());
            assertEquals("bad_request", answer.json().getString("error"));
            assertEquals(
                    "the Content-Type header is empty or malformed; send application/json with a body, and no"
                            + " Content-Type without one",
                    answer.json().getString("error_message"));
            assertTrue(answer.json().getString("request_id") != null);
        }
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
    void aTypeJacksonCannotBuildIsAnInternalErrorWithTheJsonBody() {
        // Quarkus's own mapper for InvalidDefinitionException answers an empty 500.
        given().contentType(ContentType.JSON)
                .body("{\"task\": {}}")
                .post("/probe/unbuildable")
                .then()
                .statusCode(500)
                .contentType(ContentType.JSON)
                .body("error", equalTo("internal_error"))
                .body("error_message", not(containsString("Runnable")))
                .body("request_id", notNullValue());
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
        // The four requests must fall in one fixed window: start with a few seconds of it left.
        long window = rateLimits.window().toSeconds();
        await().atMost(Duration.ofSeconds(5)).until(() -> window - Instant.now().getEpochSecond() % window >= 3);
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
