package dev.rigfleet.workspaces.rest;

import static dev.rigfleet.common.testing.ErrorBodies.assertInvalidJson;
import static dev.rigfleet.workspaces.Accounts.PASSWORD;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.RegistryStub;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class TokenResourceTest {

    private static void works(String token) {
        given().auth().oauth2(token).post("/token").then().statusCode(200);
    }

    private static void refused(String token) {
        given().auth()
                .oauth2(token)
                .post("/token")
                .then()
                .statusCode(401)
                .body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void userAndPasswordGetATokenThatWorks() {
        String user = Accounts.newUser();

        var issued = given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", PASSWORD))
                .post("/token")
                .then()
                .statusCode(200)
                .body("scopes", equalTo(List.of("user")))
                .body("expires_at", notNullValue())
                .extract();

        String token = issued.path("token");
        works(token);
        org.junit.jupiter.api.Assertions.assertEquals(TokenHashes.sha256(token), issued.path("sha256"));
    }

    @Test
    void wrongPasswordAndUnknownUserLookTheSame() {
        String user = Accounts.newUser();
        for (Map<String, String> pair : List.of(
                Map.of("user", user, "password", "not the password"),
                Map.of("user", "nobody-at-all", "password", PASSWORD))) {
            given().contentType(ContentType.JSON)
                    .body(pair)
                    .post("/token")
                    .then()
                    .statusCode(401)
                    .body("error_message", equalTo("wrong user or password"));
        }
    }

    @Test
    void aTokenCanIssueATokenWithNarrowerScopesOnly() {
        String admin = Accounts.adminToken();
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(Map.of("scopes", List.of("user"), "expires_in", 60))
                .post("/token")
                .then()
                .statusCode(200)
                .body("scopes", equalTo(List.of("user")));

        String userOnly = Accounts.token(Accounts.newUser(), PASSWORD);
        given().auth()
                .oauth2(userOnly)
                .contentType(ContentType.JSON)
                .body(Map.of("scopes", List.of("admin")))
                .post("/token")
                .then()
                .statusCode(403);
    }

    @Test
    void badTokenRequestsAreRefusedClearly() {
        String user = Accounts.newUser();
        given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", PASSWORD, "scopes", List.of("root")))
                .post("/token")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("unknown scope 'root'; known: [admin, user]"));
        given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", PASSWORD, "expires_in", 999_999_999))
                .post("/token")
                .then()
                .statusCode(400);
        given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", PASSWORD, "expires_in", "soon"))
                .post("/token")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("field 'expires_in' is missing or has the wrong type"));
        assertInvalidJson(given().contentType(ContentType.JSON)
                .body("{\"user\": ")
                .post("/token")
                .then());
        given().contentType(ContentType.JSON)
                .body(Map.of("user", user))
                .post("/token")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("give both user and password, or neither and a token"));
        given().post("/token").then().statusCode(401);
    }

    /**
     * A caller with an allowance of its own: the body is refused before any token matters, but the rate limiter
     * counts a caller with a valid token by its user, and anonymous ones by address (60 a minute on /token, which
     * the suite spends from 127.0.0.1).
     */
    private static RequestSpecification someone() {
        return given().auth()
                .oauth2(TestTokens.user(UUID.randomUUID().toString(), "user"))
                .contentType(ContentType.JSON);
    }

    private static void refused(RequestSpecification caller, String body, String error, String message) {
        caller.body(body)
                .post("/token")
                .then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error", equalTo(error))
                .body("error_message", equalTo(message))
                .body("status", equalTo(400))
                .body("request_id", notNullValue())
                .body("token", nullValue());
    }

    private static void refused(String body, String error, String message) {
        refused(someone(), body, error, message);
    }

    @Test
    void anonymousRequestsThatEndedAs500sAreBadRequests() {
        // A NUL reached PostgreSQL, which refuses it; bcrypt cannot encode a lone surrogate; a null scope failed
        // in the sorting of the scopes.
        refused(
                given().contentType(ContentType.JSON),
                "{\"user\": \"ad\\u0000min\", \"password\": \"admin-password\"}",
                "invalid_json",
                "field 'user' contains U+0000 (NUL), which is not accepted");
        refused(
                given().contentType(ContentType.JSON),
                "{\"user\": \"nobody-at-all\", \"password\": \"pass\\ud800word\"}",
                "invalid_json",
                "field 'password' contains an unpaired UTF-16 surrogate (U+D800), which is not accepted");
        refused(
                given().contentType(ContentType.JSON),
                "{\"scopes\": [null]}",
                "invalid_request",
                "scopes[] must not be null");
    }

    @Test
    void textThatCannotBeStoredIsRefusedBeforeAnyLookUp() {
        refused(
                "{\"username\": \"\\u0000\", \"password\": \"x\"}",
                "invalid_json",
                "field 'username' contains U+0000 (NUL), which is not accepted");
        refused(
                "{\"user\": \"nobody-at-all\", \"password\": \"\\udc00\"}",
                "invalid_json",
                "field 'password' contains an unpaired UTF-16 surrogate (U+DC00), which is not accepted");
        refused(
                "{\"user\": \"admin\", \"password\": \"admin-password\", \"scopes\": [\"user\\u0000\"]}",
                "invalid_json",
                "field 'scopes[0]' contains U+0000 (NUL), which is not accepted");
    }

    @Test
    void nullOrWrongTypedElementsAreRefused() {
        refused("{\"scopes\": [\"user\", null]}", "invalid_request", "scopes[] must not be null");
        refused(
                "{\"user\": \"admin\", \"password\": \"admin-password\", \"scopes\": [\"user\", null]}",
                "invalid_request",
                "scopes[] must not be null");
        refused(
                "{\"user\": \"admin\", \"password\": \"admin-password\", \"scopes\": [1]}",
                "invalid_json",
                "field 'scopes[0]' is missing or has the wrong type");
        refused(
                "{\"user\": \"admin\", \"password\": \"admin-password\", \"scopes\": \"user\"}",
                "invalid_json",
                "field 'scopes' is missing or has the wrong type");
        refused(
                "{\"user\": true, \"password\": \"admin-password\"}",
                "invalid_json",
                "field 'user' is missing or has the wrong type");
        refused(
                "{\"user\": \"admin\", \"password\": \"admin-password\", \"expires_in\": \"60\"}",
                "invalid_json",
                "field 'expires_in' is missing or has the wrong type");
        refused(
                "{\"user\": \"admin\", \"password\": \"admin-password\", \"expires_in\": 60.5}",
                "invalid_json",
                "field 'expires_in' is missing or has the wrong type");
    }

    @Test
    void aFieldGivenTwiceIsRefused() {
        // The last one used to win: this pair authenticated with the second password.
        refused(
                "{\"user\": \"admin\", \"password\": \"wrong\", \"password\": \"admin-password\"}",
                "invalid_json",
                "field 'password' is given more than once; give each field once");
        refused(
                "{\"user\": \"nobody-at-all\", \"username\": \"admin\", \"password\": \"admin-password\"}",
                "bad_request",
                "give the user name as user or as username, not both");
        someone()
                .body("{\"password\": \"wrong\", \"user\": \"admin\", \"username\": \"admin\"}")
                .post("/purge")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("give the user name as user or as username, not both"));
        // The alias alone still works.
        someone()
                .body(Map.of("username", "admin", "password", "admin-password"))
                .post("/token")
                .then()
                .statusCode(200);
    }

    @Test
    void aBodyMustBeDeclaredAsJson() {
        given().auth()
                .oauth2(TestTokens.user(UUID.randomUUID().toString(), "user"))
                .contentType(ContentType.TEXT)
                .body("{\"user\": \"admin\", \"password\": \"admin-password\"}")
                .post("/token")
                .then()
                .statusCode(415)
                .body("error", equalTo("unsupported_media_type"))
                .body("token", nullValue());
    }

    @Test
    void aTokenCanRevokeItself() {
        String token = Accounts.token(Accounts.newUser(), PASSWORD);
        works(token);

        given().auth()
                .oauth2(token)
                .post("/revoke/" + TokenHashes.sha256(token))
                .then()
                .statusCode(200)
                .body("revoked", equalTo(1));

        refused(token);
        given().header("Authorization", TestTokens.service("registry"))
                .get("/internal/revocations")
                .then()
                .body("revoked.sha256", hasItem(TokenHashes.sha256(token)));
    }

    @Test
    void revokeTouchesOnlyTheOwnersTokens() {
        String mine = Accounts.token(Accounts.newUser(), PASSWORD);
        String theirs = Accounts.token(Accounts.newUser(), PASSWORD);

        given().auth()
                .oauth2(mine)
                .post("/revoke/" + TokenHashes.sha256(theirs))
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"));

        works(theirs);
        works(mine);
    }

    @Test
    void revokeNeedsAWellFormedHashAndAToken() {
        String token = Accounts.token(Accounts.newUser(), PASSWORD);
        given().auth().oauth2(token).post("/revoke/not-a-hash").then().statusCode(400);
        given().post("/revoke/" + TokenHashes.sha256(token)).then().statusCode(401);
        works(token);
    }

    @Test
    void purgeWithThePairRevokesAllOfTheUsersTokensAndNoOneElses() {
        String user = Accounts.newUser();
        String first = Accounts.token(user, PASSWORD);
        String second = Accounts.token(user, PASSWORD);
        String someoneElses = Accounts.token(Accounts.newUser(), PASSWORD);

        // Both a pair and a (bad) token: only the pair is checked.
        given().auth()
                .oauth2("not.a.valid-token")
                .contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", PASSWORD))
                .post("/purge")
                .then()
                .statusCode(200)
                .body("revoked", equalTo(2));

        refused(first);
        refused(second);
        works(someoneElses);
        works(Accounts.token(user, PASSWORD));
    }

    @Test
    void purgeWithATokenRevokesThatTokenToo() {
        String user = Accounts.newUser();
        String token = Accounts.token(user, PASSWORD);
        given().auth().oauth2(token).post("/purge").then().statusCode(200).body("revoked", equalTo(1));
        refused(token);
    }

    @Test
    void purgeWithAWrongPairChangesNothing() {
        String user = Accounts.newUser();
        String token = Accounts.token(user, PASSWORD);
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", "wrong"))
                .post("/purge")
                .then()
                .statusCode(401);
        works(token);
    }

    @Test
    void onlyTheServicesThatMirrorTheRevocationListMayReadIt() {
        InternalRoutes.refuseAllButTheirCallers("GET", "/internal/revocations", null, "workspaces");
        for (String mirror : new String[] {"registry", "instances", "coordinator"}) {
            given().header("Authorization", TestTokens.service(mirror))
                    .get("/internal/revocations")
                    .then()
                    .statusCode(200);
        }
    }

    @Test
    void revocationsListOnlyRevokedTokens() {
        String live = Accounts.token(Accounts.newUser(), PASSWORD);
        given().header("Authorization", TestTokens.service("registry"))
                .get("/internal/revocations")
                .then()
                .statusCode(200)
                .body("revoked.sha256", not(hasItem(TokenHashes.sha256(live))));
    }
}
