package dev.rigfleet.registry.rest;

import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Large environment patches: bounded, each written in a statement or two, never holding a connection for long. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class EnvironmentPatchTest {

    private static final int LIMIT = 1000;

    @Inject
    Pool database;

    private static Map<String, Object> variables(int count, Object value) {
        Map<String, Object> patch = new HashMap<>();
        for (int i = 0; i < count; i++) {
            patch.put("VARIABLE_" + i, value);
        }
        return patch;
    }

    @Test
    void aFleetPatchOfTheLimitSetsChangesAndRemovesEveryVariable() {
        Api owner = Api.newUser();
        String env = "/fleets/" + owner.createFleet() + "/env";
        owner.call()
                .body(variables(LIMIT, "first"))
                .patch(env)
                .then()
                .statusCode(200)
                .body("env", aMapWithSize(LIMIT))
                .body("env.VARIABLE_999", equalTo("first"));
        owner.call()
                .body(variables(LIMIT, "second"))
                .patch(env)
                .then()
                .statusCode(200)
                .body("env.VARIABLE_0", equalTo("second"));
        owner.call().get(env).then().body("env", aMapWithSize(LIMIT)).body("env.VARIABLE_500", equalTo("second"));

        owner.call()
                .body(variables(LIMIT, null))
                .patch(env)
                .then()
                .statusCode(200)
                .body("env", anEmptyMap());
        owner.call().get(env).then().statusCode(200).body("env", anEmptyMap());
    }

    @Test
    void aDevicePatchOfTheLimitSetsAndRemovesEveryVariable() {
        Api owner = Api.newUser();
        String env = "/devices/" + owner.enrol(owner.createFleet()).get("uuid") + "/env";
        owner.call()
                .body(variables(LIMIT, "on"))
                .patch(env)
                .then()
                .statusCode(200)
                .body("env", aMapWithSize(LIMIT));
        owner.call().body(variables(LIMIT / 2, null)).patch(env).then().statusCode(200);
        owner.call().get(env).then().body("env", aMapWithSize(LIMIT / 2));
    }

    @Test
    void aPatchAboveTheLimitIsRefusedAndChangesNothing() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String fleetEnv = "/fleets/" + appId + "/env";
        owner.call().body(Map.of("KEPT", "yes")).patch(fleetEnv).then().statusCode(200);
        for (String env :
                new String[] {fleetEnv, "/devices/" + owner.enrol(appId).get("uuid") + "/env"}) {
            owner.call()
                    .body(variables(LIMIT + 1, "x"))
                    .patch(env)
                    .then()
                    .statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("error_message", equalTo("patch may change at most 1000 variables at once"));
        }
        owner.call().get(fleetEnv).then().body("env", equalTo(Map.of("KEPT", "yes")));
    }

    @Test
    void everyPooledConnectionEndsLongStatementsAndStalledTransactions() {
        assertEquals("10s", setting("statement_timeout"));
        assertEquals("15s", setting("idle_in_transaction_session_timeout"));
    }

    private String setting(String name) {
        return database.query("SHOW " + name)
                .execute()
                .await()
                .atMost(Duration.ofSeconds(10))
                .iterator()
                .next()
                .getString(0);
    }
}
