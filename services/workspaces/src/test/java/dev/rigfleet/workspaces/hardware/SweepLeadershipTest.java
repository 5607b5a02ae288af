package dev.rigfleet.workspaces.hardware;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.rigfleet.common.leader.Leadership;
import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.Hardware.Setup;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The queue's upkeep runs on the replica that leads: while another replica holds the election, this one waits. */
@QuarkusTest
@TestProfile(LeaseTest.ShortLeases.class)
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class SweepLeadershipTest {

    @Inject
    Leadership leadership;

    @Inject
    Redis redis;

    @Inject
    RedisNamespace namespace;

    @Test
    void aLapsedLeaseIsFreedOnlyByTheLeadingReplica() {
        await().atMost(Duration.ofSeconds(10)).until(leadership::leads);
        String election = namespace.keyPrefix() + "leader:workspaces";
        // Another replica takes the election (as after this one's renewals failed), for longer than the test.
        send(Request.cmd(Command.SET)
                .arg(election)
                .arg("another-replica")
                .arg("PX")
                .arg(60_000));
        await().atMost(Duration.ofSeconds(5)).until(() -> !leadership.leads());

        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        String crashed = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        String next = Hardware.allocate(Accounts.someone(), Map.of("deployment", setup.id(), "reserve", true))
                .statusCode(200)
                .extract()
                .path("id");
        // Two leases (2 s each) and many sweeps pass: none runs here.
        await().during(Duration.ofSeconds(5))
                .atMost(Duration.ofSeconds(7))
                .untilAsserted(() -> holderIs(setup, crashed));

        // That replica dies and its term runs out: this one takes over and frees the lapsed lease.
        send(Request.cmd(Command.DEL).arg(election));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> holderIs(setup, next));
    }

    private static void holderIs(Setup setup, String instance) {
        given().auth()
                .oauth2(setup.owner().token())
                .get("/deployment/" + setup.id())
                .then()
                .body("holder.instance", equalTo(instance));
    }

    private void send(Request request) {
        redis.send(request).await().atMost(Duration.ofSeconds(5));
    }
}
