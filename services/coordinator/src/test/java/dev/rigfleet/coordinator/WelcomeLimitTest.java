package dev.rigfleet.coordinator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.proto.agent.ServerFrame;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A replica welcomes at most {@code max-concurrent-welcomes} agents at once; up to {@code max-waiting-welcomes} more
 * wait their turn, and the others are told to come back later.
 */
@QuarkusTest
@TestProfile(WelcomeLimitTest.OneAtATime.class)
@WithTestResource(CoordinatorTestResource.class)
class WelcomeLimitTest {

    public static class OneAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rigfleet.coordinator.max-concurrent-welcomes", "1",
                    "rigfleet.coordinator.max-waiting-welcomes", "1");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry meters;

    private static String[] enrolledDevice() {
        return RegistryStub.enrolNewDevice();
    }

    @Test
    void aHelloWaitsItsTurnAndOnePastTheQueueIsToldToTryAgainLater() throws Exception {
        String[] slow = enrolledDevice();
        String[] next = enrolledDevice();
        String[] late = enrolledDevice();
        CountDownLatch registryAnswers = RegistryStub.holdTargetState(slow[0]);
        double refusedBefore = refusals();
        try (TestAgent first = TestAgent.connect(vertx, base, slow[1]);
                TestAgent waiting = TestAgent.connect(vertx, base, next[1])) {
            first.hello(slow[0]);
            // Welcomed, but its welcome is not over until the registry answers its target state.
            assertEquals(ServerFrame.BodyCase.WELCOME, first.next(WAIT).getBodyCase());
            waiting.hello(next[0]);
            await().atMost(WAIT)
                    .until(() -> meters.get("rigfleet.agents.welcomes.waiting")
                                    .gauge()
                                    .value()
                            == 1);

            try (TestAgent turnedAway = TestAgent.connect(vertx, base, late[1])) {
                turnedAway.hello(late[0]);
                await().atMost(WAIT).until(() -> turnedAway.closeCode != null);
                assertEquals(1013, (int) turnedAway.closeCode);
            }
            assertEquals(refusedBefore + 1, refusals());
            assertTrue(waiting.closeCode == null, "the waiting agent is not turned away");

            registryAnswers.countDown();
            assertEquals(ServerFrame.BodyCase.TARGET_STATE, first.next(WAIT).getBodyCase());
            // Its turn came: welcomed in full.
            assertEquals(ServerFrame.BodyCase.WELCOME, waiting.next(WAIT).getBodyCase());
            assertEquals(ServerFrame.BodyCase.TARGET_STATE, waiting.next(WAIT).getBodyCase());
        }
        // Once the rush is over, the agent turned away gets in when it dials again.
        await().atMost(WAIT).until(() -> welcomed(late));
    }

    /** Whether a new connection of the device is welcomed and given its target state (not closed first). */
    private boolean welcomed(String[] device) throws Exception {
        try (TestAgent agent = TestAgent.connect(vertx, base, device[1])) {
            agent.hello(device[0]);
            Duration shortly = Duration.ofSeconds(2);
            return agent.next(shortly).getBodyCase() == ServerFrame.BodyCase.WELCOME
                    && agent.next(shortly).getBodyCase() == ServerFrame.BodyCase.TARGET_STATE;
        } catch (AssertionError closedInstead) {
            return false;
        }
    }

    private double refusals() {
        return meters.get("rigfleet.agents.busy.refusals").counter().count();
    }
}
