package dev.rigfleet.workspaces.hardware;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.Hardware.Setup;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A holder that stops renewing loses the deployment to the next in the queue; one that renews keeps it. */
@QuarkusTest
@TestProfile(LeaseTest.ShortLeases.class)
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class LeaseTest {

    public static class ShortLeases implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rigfleet.workspaces.lease",
                    "PT2S",
                    // A quick election, for the test of a sweep left to another replica.
                    "rigfleet.leadership.term",
                    "2s",
                    "rigfleet.leadership.renew-interval",
                    "300ms");
        }
    }

    @Test
    void aLapsedLeaseFreesTheDeploymentForTheNextReservation() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        String crashed = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        String next = Hardware.allocate(Accounts.someone(), Map.of("deployment", setup.id(), "reserve", true))
                .statusCode(200)
                .extract()
                .path("id");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().auth()
                        .oauth2(setup.owner().token())
                        .get("/deployment/" + setup.id())
                        .then()
                        .body("holder.instance", equalTo(next)));
        given().header("Authorization", TestTokens.service("instances"))
                .post("/internal/holdings/" + crashed + "/renew")
                .then()
                .statusCode(404);
    }

    @Test
    void aRenewedLeaseIsKept() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        String holding = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        // Renewing every half lease, as the instances service does, for longer than two leases.
        while (System.nanoTime() < until) {
            given().header("Authorization", TestTokens.service("instances"))
                    .post("/internal/holdings/" + holding + "/renew")
                    .then()
                    .statusCode(200);
            await().pollDelay(Duration.ofMillis(900))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> true);
        }
        given().auth()
                .oauth2(setup.owner().token())
                .get("/deployment/" + setup.id())
                .then()
                .body("holder.instance", equalTo(holding));
    }
}
