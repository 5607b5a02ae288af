package dev.rigfleet.common.devices;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.BusException;
import dev.rigfleet.common.bus.BusReplicas;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Presence and command routing against real Redis, with a second bus standing in for a coordinator replica. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class DeviceCommandsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration TTL = Duration.ofSeconds(60);

    @Inject
    DeviceCommands commands;

    @Inject
    Presence presence;

    @Inject
    BusReplicas replicas;

    private Bus coordinator;

    @BeforeEach
    void startCoordinatorReplica() {
        coordinator = replicas.start("coordinator");
        await().atMost(WAIT).until(coordinator::isConnected);
    }

    @AfterEach
    void stopCoordinatorReplica() {
        BusReplicas.stop(coordinator);
    }

    private static String newDevice() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static CommandRequest ping() {
        return CommandRequest.newBuilder().setMethod("GET").setPath("/ping").build();
    }

    @Test
    void newerConnectionsTakeHigherEpochsAndOnlyTheHolderRenewsOrReleases() {
        String device = newDevice();
        Presence.Claim firstClaim =
                presence.claim(device, "replica-a", TTL).await().atMost(WAIT);
        Presence.Claim secondClaim =
                presence.claim(device, "replica-b", TTL).await().atMost(WAIT);
        long first = firstClaim.epoch();
        long second = secondClaim.epoch();

        assertFalse(firstClaim.wasHeld(), "nobody held the device before its first connection");
        assertTrue(secondClaim.wasHeld(), "the second connection took the device over from the first");

        assertTrue(second > first);
        assertEquals(
                new Presence.Holder("replica-b", second),
                presence.holder(device).await().atMost(WAIT).orElseThrow());
        Presence.Holder stale = new Presence.Holder("replica-a", first);
        assertFalse(presence.renew(device, stale, TTL).await().atMost(WAIT));
        assertFalse(presence.release(device, stale).await().atMost(WAIT));
        assertTrue(presence.online(List.of(device))
                .await()
                .atMost(WAIT)
                .orElseThrow()
                .contains(device));

        assertTrue(presence.release(device, new Presence.Holder("replica-b", second))
                .await()
                .atMost(WAIT));
        assertTrue(presence.holder(device).await().atMost(WAIT).isEmpty());
        assertTrue(presence.online(List.of(device))
                .await()
                .atMost(WAIT)
                .orElseThrow()
                .isEmpty());
    }

    @Test
    void aCommandReachesTheHoldingReplicaWithTheEpochItWasRoutedWith() {
        String device = newDevice();
        long epoch = presence.claim(device, coordinator.replicaId(), TTL)
                .await()
                .atMost(WAIT)
                .epoch();
        coordinator.onRequest(Topics.DEVICE_COMMAND, (command, deadline) -> {
            return Uni.createFrom()
                    .item(CommandResponse.newBuilder()
                            .setCommandId(command.getRequest().getCommandId())
                            .setStatus(200)
                            .setBody(ByteString.copyFromUtf8(command.getDeviceUuid() + "@" + command.getEpoch()))
                            .build());
        });

        CommandResponse response = commands.send(device, ping(), WAIT).await().atMost(WAIT);

        assertEquals(200, response.getStatus());
        assertEquals(device + "@" + epoch, response.getBody().toStringUtf8());
        assertFalse(response.getCommandId().isEmpty(), "a command id is made when none is given");
    }

    @Test
    void aDeviceNobodyHoldsIsOfflineAtOnce() {
        assertThrows(
                DeviceCommands.DeviceOffline.class,
                () -> commands.send(newDevice(), ping(), Duration.ofSeconds(30))
                        .await()
                        .atMost(WAIT));
    }

    @Test
    void aHolderThatIsGoneOrNoLongerHoldsTheDeviceMeansOffline() {
        String vanished = newDevice();
        presence.claim(vanished, "replica-that-crashed", TTL)
                .await()
                .atMost(WAIT)
                .epoch();
        assertThrows(
                DeviceCommands.DeviceOffline.class,
                () -> commands.send(vanished, ping(), Duration.ofSeconds(30))
                        .await()
                        .atMost(WAIT));

        String moved = newDevice();
        presence.claim(moved, coordinator.replicaId(), TTL).await().atMost(WAIT).epoch();
        coordinator.onRequest(
                Topics.DEVICE_COMMAND,
                (command, deadline) -> Uni.createFrom()
                        .failure(new BusException(
                                BusException.Reason.REMOTE_FAILURE, DeviceCommands.OFFLINE, "not here")));
        assertThrows(
                DeviceCommands.DeviceOffline.class,
                () -> commands.send(moved, ping(), Duration.ofSeconds(30))
                        .await()
                        .atMost(WAIT));
    }

    @Test
    void aConnectionThatClosedWithTheCommandUnansweredIsADropNotAnOfflineDevice() {
        String device = newDevice();
        presence.claim(device, coordinator.replicaId(), TTL)
                .await()
                .atMost(WAIT)
                .epoch();
        coordinator.onRequest(
                Topics.DEVICE_COMMAND,
                (command, deadline) -> Uni.createFrom()
                        .failure(new BusException(
                                BusException.Reason.REMOTE_FAILURE, DeviceCommands.DROPPED, "connection closed")));
        assertThrows(
                DeviceCommands.DeviceDropped.class,
                () -> commands.send(device, ping(), Duration.ofSeconds(30))
                        .await()
                        .atMost(WAIT));
    }
}
