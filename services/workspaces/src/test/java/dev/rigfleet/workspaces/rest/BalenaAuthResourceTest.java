package dev.rigfleet.workspaces.rest;

import static dev.rigfleet.workspaces.Accounts.PASSWORD;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.RegistryStub;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** balena-sdk's account calls: whoami, and the refresh of a token once it is a day old. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class BalenaAuthResourceTest {

    @Test
    void whoamiNamesTheTokensUser() {
        String user = Accounts.newUser();
        String token = Accounts.token(user, PASSWORD);
        String id = claims(token).getString("sub");

        given().auth()
                .oauth2(token)
                .get("/actor/v1/whoami")
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("actorType", equalTo("user"))
                .body("actorTypeId", equalTo(id))
                .body("username", equalTo(user))
                .body("email", nullValue());
    }

    @Test
    void aRefreshedTokenHasTheSameScopesAndLifetimeAndIsRevocable() {
        String user = Accounts.newUser();
        String old = given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", PASSWORD, "expires_in", 600))
                .post("/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");

        String fresh = given().auth()
                .oauth2(old)
                .get("/user/v1/refresh-token")
                .then()
                .statusCode(200)
                .contentType(ContentType.TEXT)
                .extract()
                .asString();

        assertNotEquals(old, fresh);
        JsonObject before = claims(old);
        JsonObject after = claims(fresh);
        assertEquals(before.getString("sub"), after.getString("sub"));
        assertEquals(
                Set.copyOf(before.getJsonArray("groups").getList()),
                Set.copyOf(after.getJsonArray("groups").getList()));
        assertEquals(600, after.getLong("exp") - after.getLong("iat"));
        given().auth()
                .oauth2(fresh)
                .get("/actor/v1/whoami")
                .then()
                .statusCode(200)
                .body("username", equalTo(user));
        given().auth().oauth2(old).get("/actor/v1/whoami").then().statusCode(200);

        // The fresh token is a stored one: its owner can revoke it.
        given().auth()
                .oauth2(old)
                .post("/revoke/" + TokenHashes.sha256(fresh))
                .then()
                .statusCode(200)
                .body("revoked", equalTo(1));
        given().auth().oauth2(fresh).get("/user/v1/refresh-token").then().statusCode(401);
    }

    @Test
    void anAdminTokenStaysAdminAndAUserScopedOneStaysUser() {
        String adminToken = Accounts.adminToken();
        String userScoped = given().contentType(ContentType.JSON)
                .body(Map.of("user", "admin", "password", "admin-password", "scopes", List.of("user")))
                .post("/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");

        assertEquals(Set.of("user", "admin"), groups(refresh(adminToken)));
        assertEquals(Set.of("user"), groups(refresh(userScoped)));
    }

    @Test
    void withoutAUsersTokenThereIsNothingToRefresh() {
        given().get("/user/v1/refresh-token")
                .then()
                .statusCode(401)
                .body("error_message", equalTo("wrong authorization token"));
        given().auth()
                .oauth2("not-a-token")
                .get("/user/v1/refresh-token")
                .then()
                .statusCode(401);
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/user/v1/refresh-token")
                .then()
                .statusCode(401);
        given().get("/actor/v1/whoami").then().statusCode(401);
        given().auth()
                .oauth2(Accounts.token(Accounts.newUser(), PASSWORD))
                .post("/user/v1/refresh-token")
                .then()
                .statusCode(405);
    }

    private static String refresh(String token) {
        return given().auth()
                .oauth2(token)
                .get("/user/v1/refresh-token")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    private static Set<Object> groups(String token) {
        return Set.copyOf(claims(token).getJsonArray("groups").getList());
    }

    private static JsonObject claims(String jwt) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
    }
}
