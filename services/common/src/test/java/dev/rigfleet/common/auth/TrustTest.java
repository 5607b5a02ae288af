package dev.rigfleet.common.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Whom the services believe: service tokens on internal routes, tokens past their expiry, forwarded addresses. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class TrustTest {

    /** An internal route that forgot to name its callers. */
    @Path("/internal/unmarked")
    public static class UnmarkedInternalResource {

        @GET
        public Map<String, Object> get() {
            return Map.of("secret", true);
        }
    }

    /** An internal route for one caller. */
    @Path("/internal/for-coordinator")
    @InternalApi(callers = "coordinator")
    public static class CoordinatorOnlyResource {

        @GET
        public Map<String, Object> get() {
            return Map.of("ok", true);
        }
    }

    @Inject
    ServiceTokens serviceTokens;

    @TestHTTPResource("/")
    URL server;

    @Test
    void anInternalRouteThatNamesNoCallersIsRefusedToEveryone() {
        for (String service : new String[] {"coordinator", "registry", "workspaces", "instances"}) {
            given().header("Authorization", TestTokens.service(service))
                    .get("/internal/unmarked")
                    .then()
                    .statusCode(403)
                    .contentType(ContentType.JSON)
                    .body("error_message", equalTo("this route is not open to any caller"));
        }
    }

    @Test
    void anInternalRouteTakesOnlyItsCallersValidServiceTokens() {
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/for-coordinator")
                .then()
                .statusCode(200);
        given().header("Authorization", TestTokens.expiredService("coordinator", 10))
                .get("/internal/for-coordinator")
                .then()
                .statusCode(401)
                .contentType(ContentType.JSON);
        InternalRoutes.refuseAllButTheirCallers("GET", "/internal/for-coordinator", null, "registry");
    }

    @Test
    void aServiceSignsItsOwnTokenAndRenewsItOnlyWhenHalfItsLifeIsGone() {
        String first = serviceTokens.authorization();
        assertEquals(first, serviceTokens.authorization(), "the same token while it is young");
        assertEquals("common-test", serviceTokens.caller(first));
        // Refused where user tokens are taken: its audience is not theirs.
        given().header("Authorization", first).get("/probe/secure").then().statusCode(401);
    }

    @Test
    void aTokenIsRefusedAFewSecondsAfterItExpires() {
        given().auth()
                .oauth2(TestTokens.expiredSecondsAgo(UUID.randomUUID().toString(), 10))
                .get("/probe/secure")
                .then()
                .statusCode(401)
                .body("error_message", equalTo("wrong authorization token"));
        // Within the skew (5 s) it still works, for clocks that drift a little.
        given().auth()
                .oauth2(TestTokens.expiredSecondsAgo(UUID.randomUUID().toString(), 1))
                .get("/probe/secure")
                .then()
                .statusCode(200);
    }

    @Test
    void aForwardedAddressFromAnyoneButTheProxyDoesNotBuyAFreshAllowance() {
        long first = remaining(null, "198.51.100.1");
        long second = remaining(null, "198.51.100.2");
        long third = remaining(null, "not-an-ip");
        assertEquals(first - 1, second, "one allowance for the peer address, whatever it claims");
        assertEquals(second - 1, third);
    }

    @Test
    void theProxysForwardedAddressIsBelieved() {
        String client = "203.0.113." + (1 + new Random().nextInt(250));
        String another = "198.18." + new Random().nextInt(250) + ".7";
        long first = remaining("127.0.0.2", client);
        assertEquals(first - 1, remaining("127.0.0.2", client), "the forwarded client's own allowance");
        assertEquals(first, remaining("127.0.0.2", another), "another client's is fresh");
    }

    /** {@code X-RateLimit-Remaining} of an anonymous call from {@code localAddress}, claiming {@code forwardedFor}. */
    private long remaining(String localAddress, String forwardedFor) {
        try (Socket socket = new Socket()) {
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /probe/open HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n")
                            + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            Matcher header =
                    Pattern.compile("(?im)^X-RateLimit-Remaining: *(\\d+)").matcher(answer);
            if (!header.find()) {
                throw new AssertionError("no X-RateLimit-Remaining in " + answer);
            }
            return Long.parseLong(header.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
