package dev.rigfleet.coordinator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.agent.Hello;
import dev.rigfleet.proto.agent.Ping;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StateReport;
import dev.rigfleet.proto.agent.Stats;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import dev.rigfleet.proto.bus.DeviceTarget;
import dev.rigfleet.proto.bus.TargetStateChanged;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class CoordinateSocketTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    @Inject
    Presence presence;

    @Inject
    DeviceCommands commands;

    @Inject
    Bus bus;

    @Inject
    io.vertx.mutiny.redis.client.Redis redis;

    @Inject
    MeterRegistry meters;

    @Inject
    RedisNamespace namespace;

    private static String[] enrolledDevice() {
        return RegistryStub.enrolNewDevice();
    }

    private TestAgent connected(String uuid, String credential) throws Exception {
        TestAgent agent = TestAgent.connect(vertx, base, credential);
        agent.hello(uuid);
        assertEquals(ServerFrame.BodyCase.WELCOME, agent.next(WAIT).getBodyCase());
        assertEquals(ServerFrame.BodyCase.TARGET_STATE, agent.next(WAIT).getBodyCase());
        return agent;
    }

    private int upgradeStatus(String credential) {
        return upgradeStatus("Coder-Session-Token", credential);
    }

    private int upgradeStatus(String header, String value) {
        ExecutionException failure =
                assertThrows(ExecutionException.class, () -> TestAgent.connect(vertx, base, header, value));
        return assertInstanceOf(UpgradeRejectedException.class, failure.getCause())
                .getStatus();
    }

    @Test
    void theUpgradeNeedsAKnownDeviceCredential() {
        assertEquals(401, upgradeStatus(null, null));
        assertEquals(401, upgradeStatus("0".repeat(64)));
        assertEquals(401, upgradeStatus("Authorization", "Bearer " + "0".repeat(64)));
        // A user's token is not an agent's.
        assertEquals(
                403,
                upgradeStatus(
                        "Authorization",
                        "Bearer " + TestTokens.user(UUID.randomUUID().toString(), "user")));
    }

    @Test
    void theCredentialMayComeAsABearerToken() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = TestAgent.connect(vertx, base, "Authorization", "Bearer " + device[1])) {
            agent.hello(device[0]);
            assertEquals(ServerFrame.BodyCase.WELCOME, agent.next(WAIT).getBodyCase());
        }
    }

    @Test
    void helloIsWelcomedWithAnEpochAndTheTargetStateAndMarksTheDeviceOnline() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = TestAgent.connect(vertx, base, device[1])) {
            agent.hello(device[0]);

            ServerFrame welcome = agent.next(WAIT);
            assertTrue(welcome.getWelcome().getEpoch() > 0);
            assertEquals(1, welcome.getWelcome().getProtocolVersion());
            ServerFrame target = agent.next(WAIT);
            assertEquals(1, target.getTargetState().getVersion());
            assertTrue(target.getTargetState().getJson().toStringUtf8().contains(device[0]));
            assertEquals(
                    new Presence.Holder(bus.replicaId(), welcome.getWelcome().getEpoch()),
                    presence.holder(device[0]).await().atMost(WAIT).orElseThrow());
            await().atMost(WAIT).until(() -> RegistryStub.transitions().contains(device[0] + " online"));
            assertTrue(heldAgents() >= 1, "the held agents gauge counts the welcomed agent");
        }
        await().atMost(WAIT)
                .until(() -> presence.holder(device[0]).await().atMost(WAIT).isEmpty());
        await().atMost(WAIT).until(() -> RegistryStub.transitions().contains(device[0] + " offline"));
        // Every other test closes its agents too: none is held once they are gone.
        await().atMost(WAIT).until(() -> heldAgents() == 0);
    }

    private double heldAgents() {
        return meters.get("rigfleet.agents.held").gauge().value();
    }

    @Test
    void anAgentOfAnotherProtocolOrDeviceIsToldWhyAndClosed() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = TestAgent.connect(vertx, base, device[1])) {
            agent.send(AgentFrame.newBuilder()
                    .setHello(Hello.newBuilder().setProtocolVersion(99).setDeviceUuid(device[0]))
                    .build());
            ServerFrame refusal = agent.next(WAIT);
            assertEquals(
                    "protocol 99 is not supported; this coordinator speaks 1 to 1",
                    refusal.getRefusal().getReason());
            assertEquals(1, refusal.getRefusal().getMaxProtocolVersion());
            await().atMost(WAIT).until(() -> agent.closeCode != null);
            assertEquals(4002, (int) agent.closeCode);
        }
        try (TestAgent agent = TestAgent.connect(vertx, base, device[1])) {
            agent.hello("f".repeat(32));
            assertTrue(agent.next(WAIT)
                    .getRefusal()
                    .getReason()
                    .startsWith("this connection's credentials belong to another device"));
        }
    }

    @Test
    void aCommandFromTheBusReachesTheAgentAndItsAnswerReturns() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            var answer = commands.send(
                            device[0],
                            CommandRequest.newBuilder()
                                    .setMethod("GET")
                                    .setPath("/ping")
                                    .build(),
                            WAIT)
                    .subscribeAsCompletionStage();

            CommandRequest request = agent.next(WAIT).getCommandRequest();
            assertEquals("/ping", request.getPath());
            agent.send(AgentFrame.newBuilder()
                    .setCommandResponse(CommandResponse.newBuilder()
                            .setCommandId(request.getCommandId())
                            .setStatus(200)
                            .setContentType("text/plain")
                            .setBody(ByteString.copyFromUtf8("OK")))
                    .build());

            CommandResponse response = answer.get();
            assertEquals(200, response.getStatus());
            assertEquals("OK", response.getBody().toStringUtf8());
        }
    }

    @Test
    void anAgentThatClosesWithACommandUnansweredDroppedItAndIsNotCalledOffline() throws Exception {
        String[] device = enrolledDevice();
        CompletableFuture<CommandResponse> answer;
        try (TestAgent agent = connected(device[0], device[1])) {
            answer = commands.send(
                            device[0],
                            CommandRequest.newBuilder().setPath("/v1/reboot").build(),
                            WAIT)
                    .subscribeAsCompletionStage();
            assertEquals("/v1/reboot", agent.next(WAIT).getCommandRequest().getPath());
        }
        ExecutionException failure = assertThrows(ExecutionException.class, answer::get);
        // The agent had the command: whether it ran is unknown, so no caller may take it as "never delivered".
        assertInstanceOf(DeviceCommands.DeviceDropped.class, failure.getCause());
    }

    @Test
    void aDeviceThatIsNotConnectedIsOfflineAtOnce() {
        String[] device = enrolledDevice();
        assertThrows(
                DeviceCommands.DeviceOffline.class,
                () -> commands.send(
                                device[0],
                                CommandRequest.newBuilder().setPath("/ping").build(),
                                Duration.ofSeconds(30))
                        .await()
                        .atMost(WAIT));
    }

    @Test
    void aStateReportIsAcknowledgedOnlyOnceTheRegistryStoredIt() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            RegistryStub.failNextReports(1);
            int attempts = RegistryStub.reportAttempts();
            AgentFrame report = AgentFrame.newBuilder()
                    .setStateReport(StateReport.newBuilder()
                            .setSequence(5)
                            .setJson(ByteString.copyFromUtf8("{\"status\":\"Idle\"}")))
                    .build();

            agent.send(report);
            await().atMost(WAIT).until(() -> RegistryStub.reportAttempts() > attempts);
            agent.send(AgentFrame.newBuilder()
                    .setPing(Ping.newBuilder().setSentAtEpochMs(1))
                    .build());
            // The pong overtakes nothing: no acknowledgement came for the report the registry refused.
            assertEquals(ServerFrame.BodyCase.PONG, agent.next(WAIT).getBodyCase());

            agent.send(report);
            assertEquals(5, agent.next(WAIT).getStateAck().getSequence());
            assertEquals("{\"status\":\"Idle\"}", RegistryStub.reportedState(device[0]));
        }
    }

    @Test
    void aNewerConnectionReplacesTheOlderOne() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent older = connected(device[0], device[1]);
                TestAgent newer = connected(device[0], device[1])) {
            await().atMost(WAIT).until(() -> older.closeCode != null);
            assertEquals(4001, (int) older.closeCode);

            var answer = commands.send(
                            device[0],
                            CommandRequest.newBuilder().setPath("/ping").build(),
                            WAIT)
                    .subscribeAsCompletionStage();
            CommandRequest request = newer.next(WAIT).getCommandRequest();
            newer.send(AgentFrame.newBuilder()
                    .setCommandResponse(CommandResponse.newBuilder()
                            .setCommandId(request.getCommandId())
                            .setStatus(204))
                    .build());
            assertEquals(204, answer.get().getStatus());
        }
        // The replaced connection's close did not take the newer one's presence with it: the last close did.
        await().atMost(WAIT)
                .until(() -> presence.holder(device[0]).await().atMost(WAIT).isEmpty());
    }

    @Test
    void aTargetStateChangeIsPushedToTheConnectedAgent() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            RegistryStub.setTargetVersion(device[0], 2);
            TargetStateChanged changed = TargetStateChanged.newBuilder()
                    .addDevices(DeviceTarget.newBuilder().setUuid(device[0]).setVersion(2))
                    .build();

            bus.publish(Topics.DEVICE_TARGET_CHANGED, changed).await().atMost(WAIT);

            assertEquals(2, agent.next(WAIT).getTargetState().getVersion());
        }
    }

    @Test
    void aDeprovisionedDeviceIsDroppedAndCannotComeBack() throws Exception {
        String[] device = enrolledDevice();
        String hash = TokenHashes.sha256(device[1]);
        try (TestAgent agent = connected(device[0], device[1])) {
            RegistryStub.revoke(hash);
            DeviceDeprovisioned gone = DeviceDeprovisioned.newBuilder()
                    .setUuid(device[0])
                    .setCredentialSha256(hash)
                    .build();

            bus.publish(Topics.DEVICE_DEPROVISIONED, gone).await().atMost(WAIT);

            await().atMost(WAIT).until(() -> agent.closeCode != null);
            assertEquals(4003, (int) agent.closeCode);
        }
        assertEquals(401, upgradeStatus(device[1]));
    }

    @Test
    void pingsArePongedAndTheReplicaRenewsThePresenceOfEveryLinkItHolds() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            agent.send(AgentFrame.newBuilder()
                    .setPing(Ping.newBuilder().setSentAtEpochMs(42))
                    .build());
            assertEquals(42, agent.next(WAIT).getPong().getSentAtEpochMs());

            // Left to expire in 2 s, the claim is renewed (to the 60 s TTL) by the next batch, every second here.
            redis.send(Request.cmd(Command.EXPIRE).arg(presence.key(device[0])).arg(2))
                    .await()
                    .atMost(WAIT);
            await().atMost(WAIT).until(() -> ttl(presence.key(device[0])) > 2);
        }
    }

    @Test
    void presenceLostInRedisIsClaimedAgainAtTheNextRenewal() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            Presence.Holder held =
                    presence.holder(device[0]).await().atMost(WAIT).orElseThrow();
            redis.send(Request.cmd(Command.DEL).arg(presence.key(device[0])))
                    .await()
                    .atMost(WAIT);

            await().atMost(WAIT)
                    .until(() -> presence.holder(device[0]).await().atMost(WAIT).equals(Optional.of(held)));
            assertNull(agent.closeCode, "the link stays up");
        }
    }

    @Test
    void aLinkWhoseClaimAnotherConnectionTookIsClosedAtTheNextRenewal() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            redis.send(Request.cmd(Command.SET)
                            .arg(presence.key(device[0]))
                            .arg("another-replica " + Long.MAX_VALUE)
                            .arg("EX")
                            .arg(60))
                    .await()
                    .atMost(WAIT);

            await().atMost(WAIT).until(() -> agent.closeCode != null);
            assertEquals(4001, (int) agent.closeCode);
            assertEquals(
                    Optional.of(new Presence.Holder("another-replica", Long.MAX_VALUE)),
                    presence.holder(device[0]).await().atMost(WAIT),
                    "the newer claim is left as it is");
        }
    }

    @Test
    void statsReachRedisInTheNextBatchTheLatestReportWinning() throws Exception {
        String[] device = enrolledDevice();
        String key = namespace.keyPrefix() + "agent:stats:" + device[0];
        try (TestAgent agent = connected(device[0], device[1])) {
            agent.send(AgentFrame.newBuilder()
                    .setStats(Stats.newBuilder().setRxBytes(1).setTxBytes(2))
                    .build());
            agent.send(AgentFrame.newBuilder()
                    .setStats(Stats.newBuilder().setRxBytes(10).setTxBytes(20).setNumComms(3))
                    .build());

            await().atMost(WAIT)
                    .until(() -> redis.send(Request.cmd(Command.GET).arg(key))
                                    .await()
                                    .atMost(WAIT)
                            != null);
            String stored = redis.send(Request.cmd(Command.GET).arg(key))
                    .await()
                    .atMost(WAIT)
                    .toString();
            assertTrue(stored.contains("\"rx_bytes\":10") && stored.contains("\"num_comms\":3"), stored);
            assertTrue(ttl(key) > 0, "the stats expire when the agent stops reporting");
        }
    }

    private long ttl(String key) {
        return redis.send(Request.cmd(Command.TTL).arg(key))
                .await()
                .atMost(WAIT)
                .toLong();
    }

    @Test
    void anAgentThatFallsSilentIsClosedAndGoesOffline() throws Exception {
        String[] device = enrolledDevice();
        try (TestAgent agent = connected(device[0], device[1])) {
            // No pings from here on: the sweep closes the connection after the silence limit (5 s in tests).
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.closeCode != null);
            assertEquals(4004, (int) agent.closeCode);
        }
        await().atMost(WAIT)
                .until(() -> presence.holder(device[0]).await().atMost(WAIT).isEmpty());
        await().atMost(WAIT).until(() -> RegistryStub.transitions().contains(device[0] + " offline"));
    }
}
