package dev.rigfleet.workspaces.ui;

import static dev.rigfleet.workspaces.Accounts.PASSWORD;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.auth.SessionCookie;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.RegistryStub;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's session: signing in sets an HttpOnly, SameSite=Strict cookie holding a revocable token, which the
 * API accepts beside the bearer header; signing out revokes it; a request signed in by the cookie that changes
 * something or follows a stream must come from the platform's own pages.
 */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class DashboardSessionTest {

    private static Response signIn(String user, String host) {
        return given().contentType(ContentType.JSON)
                .header("Host", host)
                .body(Map.of("user", user, "password", PASSWORD))
                .post("/ui/session");
    }

    private static String cookieOf(Response signedIn) {
        String cookie = signedIn.getCookie(SessionCookie.NAME);
        assertTrue(cookie != null && !cookie.isEmpty(), signedIn.headers().toString());
        return cookie;
    }

    @Test
    void signingInSetsAnHttpOnlyStrictCookieThatTheApiAcceptsAndSigningOutRevokesIt() {
        String user = Accounts.newUser();
        Response signedIn = signIn(user, "127.0.0.1:8081");
        signedIn.then()
                .statusCode(200)
                .body("username", equalTo(user))
                .body("token", nullValue())
                .body("expires_at", not(nullValue()));
        String setCookie = signedIn.header("Set-Cookie");
        assertTrue(setCookie.toLowerCase().contains("; httponly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
        assertTrue(setCookie.contains("Path=/"), setCookie);
        assertTrue(setCookie.contains("Max-Age=43200"), setCookie);
        assertFalse(setCookie.contains("Secure"), "plain HTTP on loopback: " + setCookie);
        String cookie = cookieOf(signedIn);

        given().cookie(SessionCookie.NAME, cookie)
                .get("/actor/v1/whoami")
                .then()
                .statusCode(200)
                .body("username", equalTo(user));

        Response signedOut = given().cookie(SessionCookie.NAME, cookie)
                .header("Origin", "http://127.0.0.1:8081")
                .header("Host", "127.0.0.1:8081")
                .delete("/ui/session");
        assertEquals(204, signedOut.statusCode(), signedOut.asString());
        assertTrue(signedOut.header("Set-Cookie").contains("Max-Age=0"), signedOut.header("Set-Cookie"));

        // Revoked, not only forgotten: a copy of the cookie no longer signs anyone in.
        given().cookie(SessionCookie.NAME, cookie)
                .get("/actor/v1/whoami")
                .then()
                .statusCode(401)
                .body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void theCookieIsSecureOffLoopback() {
        String setCookie = signIn(Accounts.newUser(), "rigfleet.example.org").header("Set-Cookie");
        assertTrue(setCookie.contains("Secure"), setCookie);
    }

    @Test
    void aWrongPasswordSetsNoCookieAndSaysWhy() {
        Response refused = given().contentType(ContentType.JSON)
                .body(Map.of("user", Accounts.newUser(), "password", "wrong"))
                .post("/ui/session");
        refused.then().statusCode(401).body("error_message", equalTo("wrong user or password"));
        assertEquals(null, refused.header("Set-Cookie"));

        given().contentType(ContentType.JSON)
                .body("{\"user\": \"ada\"}")
                .post("/ui/session")
                .then()
                .statusCode(400)
                .body("error_message", containsString("password"));
        given().contentType(ContentType.JSON)
                .body("{\"user\": 7, \"password\": []}")
                .post("/ui/session")
                .then()
                .statusCode(400);
    }

    @Test
    void aCookieRequestThatChangesSomethingMustComeFromThePlatformsOwnPages() {
        String cookie = cookieOf(signIn(Accounts.newUser(), "127.0.0.1:8081"));
        String body = "{\"scopes\": [\"user\"], \"expires_in\": 60}";

        for (Map<String, String> foreign : new Map[] {
            Map.of(),
            Map.of("Origin", "http://evil.example"),
            Map.of("Origin", "http://127.0.0.1:9999"),
            Map.of("Origin", "null"),
            Map.of("Sec-Fetch-Site", "same-site"),
        }) {
            given().cookie(SessionCookie.NAME, cookie)
                    .header("Host", "127.0.0.1:8081")
                    .headers(foreign)
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post("/token")
                    .then()
                    .statusCode(403)
                    .body("error", equalTo("forbidden"))
                    .body("error_message", startsWith("a request signed in by the session cookie must come from"));
        }
        given().cookie(SessionCookie.NAME, cookie)
                .header("Host", "127.0.0.1:8081")
                .header("Origin", "http://127.0.0.1:8081")
                .contentType(ContentType.JSON)
                .body(body)
                .post("/token")
                .then()
                .statusCode(200);
        // Where browsers send no Origin (same-origin GETs), their Fetch Metadata says where the request came from.
        given().cookie(SessionCookie.NAME, cookie)
                .header("Sec-Fetch-Site", "same-origin")
                .contentType(ContentType.JSON)
                .body(body)
                .post("/token")
                .then()
                .statusCode(200);
        // An event stream is refused too; a plain read is not: other sites' pages cannot send the cookie at all.
        given().cookie(SessionCookie.NAME, cookie)
                .accept("text/event-stream")
                .get("/ci/jobs")
                .then()
                .statusCode(403);
        given().cookie(SessionCookie.NAME, cookie).get("/ci/jobs").then().statusCode(200);
        // A bearer token is no browser's: no Origin is asked of it.
        String token = given().contentType(ContentType.JSON)
                .body(Map.of("user", Accounts.newUser(), "password", PASSWORD))
                .post("/token")
                .path("token");
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/token")
                .then()
                .statusCode(200);
    }

    @Test
    void signingOutWithoutACookieIsRefusedWithTheReason() {
        given().delete("/ui/session").then().statusCode(401);
    }

    @Test
    void thePagesAreFramesWithAStrictContentSecurityPolicyAndTheirScriptsAreServed() {
        for (String page : new String[] {
            "/ui/login",
            "/ui/devices",
            "/ui/devices/0123",
            "/ui/deployments",
            "/ui/instances",
            "/ui/instances/x",
            "/ui/reservations",
            "/ui/ci",
            "/ui/ci/y",
            "/ui/owner"
        }) {
            given().get(page)
                    .then()
                    .statusCode(200)
                    .contentType(containsString("text/html"))
                    .header("Content-Security-Policy", containsString("script-src 'self';"))
                    .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                    .body(containsString("<script src=\"/ui/assets/app.js\" defer></script>"));
        }
        given().redirects()
                .follow(false)
                .get("/ui")
                .then()
                .statusCode(303)
                .header("Location", containsString("/ui/devices"));
        // A path parameter is text in the page, never markup.
        given().get("/ui/devices/\"><b>x")
                .then()
                .statusCode(200)
                .body(not(containsString("<b>x")))
                .body(containsString("data-id=\"&quot;&gt;&lt;b&gt;x\""));
        given().get("/ui/assets/app.js").then().statusCode(200).body(containsString("pages.devices"));
        given().get("/ui/vendor/@xterm/xterm/lib/xterm.js").then().statusCode(200);
        given().get("/ui/vendor/uplot/dist/uPlot.iife.min.js").then().statusCode(200);
    }
}
