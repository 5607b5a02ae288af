package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.testing.RedisClients;
import dev.rigfleet.common.testing.RevocationOwnerStub;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.ServiceBasicsContract;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.proto.bus.RevokedToken;
import dev.rigfleet.proto.bus.TokensRevoked;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class FleetResourceTest implements ServiceBasicsContract {

    @Inject
    Bus bus;

    @Inject
    Redis redis;

    private static String userToken() {
        return TestTokens.user(UUID.randomUUID().toString(), "user");
    }

    @Test
    void userSeesAnEmptyFirstPage() {
        given().auth()
                .oauth2(userToken())
                .get("/fleets")
                .then()
                .statusCode(200)
                .body("fleets", equalTo(List.of()))
                .body("page_count", equalTo(1))
                .header("X-RateLimit-Limit", notNullValue());
    }

    @Test
    void tokensThatAreNotValidUserTokensAreRefused() {
        for (String token : List.of(
                TestTokens.expired(UUID.randomUUID().toString()),
                TestTokens.signedByStranger(UUID.randomUUID().toString()),
                TestTokens.deviceAudience(UUID.randomUUID().toString()))) {
            given().auth()
                    .oauth2(token)
                    .get("/fleets")
                    .then()
                    .statusCode(401)
                    .body("error_message", equalTo("wrong authorization token"));
        }
        given().get("/fleets").then().statusCode(401);
    }

    @Test
    void tokenRevokedOnTheBusIsRefused() {
        String token = userToken();
        given().auth().oauth2(token).get("/fleets").then().statusCode(200);

        TokensRevoked event = TokensRevoked.newBuilder()
                .addTokens(RevokedToken.newBuilder()
                        .setSha256(TokenHashes.sha256(token))
                        .setExpiresAtEpochS(Instant.now().plusSeconds(600).getEpochSecond()))
                .build();
        bus.publish("tokens", "token.revoked", event).await().atMost(Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> given().auth().oauth2(token).get("/fleets").then().statusCode(401));
    }

    @Test
    void tokenOnTheOwnersListIsRefusedAfterABusReconnect() {
        String token = userToken();
        given().auth().oauth2(token).get("/fleets").then().statusCode(200);

        RevocationOwnerStub.revoke(
                TokenHashes.sha256(token), Instant.now().plusSeconds(600).getEpochSecond());
        // Nothing is announced: only the reload after a reconnect can find it.
        given().get("/q/health/ready").then().statusCode(200);
        RedisClients.kill(redis, bus.replicaId());

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> given().auth().oauth2(token).get("/fleets").then().statusCode(401));
    }

    @Test
    void badPagingIsRefused() {
        given().auth()
                .oauth2(userToken())
                .queryParam("max_per_page", "-3")
                .get("/fleets")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("max_per_page must not be negative"));
    }
}
