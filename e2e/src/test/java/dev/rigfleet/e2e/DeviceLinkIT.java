package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.rigfleet.agent.link.AgentConnection;
import dev.rigfleet.agent.link.LinkSettings;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.restassured.http.ContentType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Agents (the real agent's connection code) spread over two coordinator replicas; commands reach them from a third
 * process over the bus, target states reach them from the registry, and they fail over when a coordinator stops.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeviceLinkIT {

    private static final Duration REACH = Duration.ofSeconds(10);
    private static final Stack stack = Stack.get();
    private static final Vertx vertx = Vertx.vertx();
    private static final List<SimulatedDevice> devices = new ArrayList<>();
    private static BusSender sender;
    private static String token;
    private static long appId;

    /** One enrolled device, its agent connection, and the target states it stored. */
    record SimulatedDevice(String uuid, AgentConnection connection, Map<Long, String> targetStates) {}

    @BeforeAll
    static void enrolAgentsOnBothCoordinators() throws Exception {
        token = Accounts.newUserToken(stack);
        Fleets fleet = Fleets.create(stack, token, "link-rigs", 4);
        appId = fleet.appId();
        String key = fleet.provisioningKey();
        for (int i = 0; i < 4; i++) {
            var enrolment = Fleets.enrol(stack, key);
            String uuid = enrolment.getString("uuid");
            // Half prefer coordinator A, half B; each falls back to the other.
            List<URI> servers = i % 2 == 0
                    ? List.of(URI.create(stack.coordinatorA.url()), URI.create(stack.coordinatorB.url()))
                    : List.of(URI.create(stack.coordinatorB.url()), URI.create(stack.coordinatorA.url()));
            Map<Long, String> targetStates = new ConcurrentHashMap<>();
            AgentConnection connection = new AgentConnection(
                    vertx,
                    uuid,
                    enrolment.getString("credential"),
                    "e2e",
                    new LinkSettings(servers, Optional.empty(), false, Duration.ofSeconds(2), 100),
                    new AgentConnection.Handler() {
                        @Override
                        public void targetState(long version, String json) {
                            targetStates.put(version, json);
                        }

                        @Override
                        public Future<CommandResponse> command(CommandRequest request) {
                            return Future.succeededFuture(CommandResponse.newBuilder()
                                    .setStatus(200)
                                    .setContentType("text/plain")
                                    .setBody(ByteString.copyFromUtf8(request.getPath() + " answered by " + uuid))
                                    .build());
                        }
                    });
            connection.start();
            devices.add(new SimulatedDevice(uuid, connection, targetStates));
        }
        sender = new BusSender(vertx, stack.redis.url(), stack.keyPrefix);
        await().atMost(REACH)
                .until(() ->
                        devices.stream().allMatch(device -> device.connection().isConnected()));
    }

    @AfterAll
    static void disconnect() {
        devices.forEach(device -> device.connection().close());
        if (sender != null) {
            sender.close();
        }
        vertx.close();
        stack.restartStoppedCoordinators();
    }

    @Test
    @Order(1)
    void aCommandFromAThirdProcessReachesEveryAgentOnEitherCoordinator() throws Exception {
        for (SimulatedDevice device : devices) {
            BusSender.Outcome outcome = sender.send(device.uuid(), "/ping", REACH);
            assertNull(outcome.failure());
            assertEquals(
                    "/ping answered by " + device.uuid(),
                    outcome.response().getBody().toStringUtf8());
        }
        given().auth()
                .oauth2(token)
                .queryParam("appId", appId)
                .get(stack.registryA.url() + "/devices")
                .then()
                .body("devices.online", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.equalTo(true)));
    }

    @Test
    @Order(2)
    void aTargetStateChangeReachesTheAgentsAndIsStored() {
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(Map.of("LAB", "north"))
                .patch(stack.registryA.url() + "/fleets/" + appId + "/env")
                .then()
                .statusCode(200);

        await().atMost(REACH).untilAsserted(() -> {
            for (SimulatedDevice device : devices) {
                assertTrue(device.targetStates().containsKey(2L), device.uuid() + " has version 2");
                assertTrue(device.targetStates().get(2L).contains("\"LAB\":\"north\""));
            }
        });
    }

    @Test
    @Order(3)
    void anOfflineDeviceIsReportedOfflineAtOnce() throws Exception {
        SimulatedDevice device = devices.get(3);
        device.connection().close();
        await().atMost(REACH)
                .until(() -> "offline"
                        .equals(sender.send(device.uuid(), "/ping", REACH).failure()));
        devices.remove(3);
    }

    @Test
    @Order(4)
    void whenACoordinatorStopsItsAgentsMoveToTheOtherAndNoReportIsLost() throws Exception {
        stack.coordinatorA.close();
        // Reports made while the agents may be between coordinators are buffered, then delivered.
        for (SimulatedDevice device : devices) {
            device.connection().report("{\"status\":\"Idle\",\"note\":\"during failover\"}");
        }

        await().atMost(REACH)
                .until(() ->
                        devices.stream().allMatch(device -> device.connection().isConnected()));
        for (SimulatedDevice device : devices) {
            await().atMost(REACH).untilAsserted(() -> {
                BusSender.Outcome outcome = sender.send(device.uuid(), "/ping", REACH);
                assertNull(outcome.failure());
            });
            await().atMost(REACH)
                    .untilAsserted(() -> given().auth()
                            .oauth2(token)
                            .get(stack.registryA.url() + "/devices/" + device.uuid())
                            .then()
                            .body("reported_state.note", org.hamcrest.Matchers.equalTo("during failover")));
            assertEquals(0, device.connection().droppedReports());
        }
    }
}
