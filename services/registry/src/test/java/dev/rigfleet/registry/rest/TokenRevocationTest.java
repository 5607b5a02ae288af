package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RedisClients;
import dev.rigfleet.common.testing.RevocationOwnerStub;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.proto.bus.RevokedToken;
import dev.rigfleet.proto.bus.TokensRevoked;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class TokenRevocationTest {

    @Inject
    Bus bus;

    @Inject
    Redis redis;

    private static String userToken() {
        return TestTokens.user(UUID.randomUUID().toString(), "user");
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
        bus.publish(Topics.TOKEN_REVOKED, event).await().atMost(Duration.ofSeconds(5));

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
}
