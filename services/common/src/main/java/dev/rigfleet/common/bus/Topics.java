package dev.rigfleet.common.bus;

import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.bus.DeviceCommand;
import dev.rigfleet.proto.bus.DeviceConnection;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import dev.rigfleet.proto.bus.InstanceStatusChanged;
import dev.rigfleet.proto.bus.ReservationPromoted;
import dev.rigfleet.proto.bus.StreamRelay;
import dev.rigfleet.proto.bus.TargetStateChanged;
import dev.rigfleet.proto.bus.TokensRevoked;
import dev.rigfleet.proto.bus.VpnChanged;
import java.util.List;

/**
 * Every topic on rigfleet's bus, and the only place its channel and type names are spelled. These names are the wire
 * contract between replicas of different versions: change one only with a migration. docs/architecture.md ("Topics")
 * lists the same table, and a test keeps the two equal.
 */
public final class Topics {

    private static final String TOKENS = "tokens";
    private static final String DEVICES = "devices";
    private static final String RESERVATIONS = "reservations";
    private static final String INSTANCES = "instances";

    /** workspaces, after a revocation is stored: these token hashes are revoked until they expire. */
    public static final Topic.Event<TokensRevoked> TOKEN_REVOKED =
            new Topic.Event<>(TOKENS, "token.revoked", TokensRevoked.parser());

    /** registry, after the change is stored: these devices have new target-state versions. */
    public static final Topic.Event<TargetStateChanged> DEVICE_TARGET_CHANGED =
            new Topic.Event<>(DEVICES, "device.target.changed", TargetStateChanged.parser());

    /** registry, after the credential is cleared: whoever holds the device's connection drops it. */
    public static final Topic.Event<DeviceDeprovisioned> DEVICE_DEPROVISIONED =
            new Topic.Event<>(DEVICES, "device.deprovisioned", DeviceDeprovisioned.parser());

    /** coordinator: a device came online or went offline. */
    public static final Topic.Event<DeviceConnection> DEVICE_CONNECTION =
            new Topic.Event<>(DEVICES, "device.connection", DeviceConnection.parser());

    /** workspaces, after the promotion is stored (an outbox re-sends it until marked sent): make the instance. */
    public static final Topic.Event<ReservationPromoted> RESERVATION_PROMOTED =
            new Topic.Event<>(RESERVATIONS, "reservation.promoted", ReservationPromoted.parser());

    /** instances, after the transition is stored: an instance entered a status. */
    public static final Topic.Event<InstanceStatusChanged> INSTANCE_STATUS =
            new Topic.Event<>(INSTANCES, "instance.status", InstanceStatusChanged.parser());

    /** instances, after a VPN client's revocation or the VPN's end is stored: its server's replica applies it. */
    public static final Topic.Event<VpnChanged> VPN_CHANGED =
            new Topic.Event<>(INSTANCES, "vpn.changed", VpnChanged.parser());

    /** Any service to the coordinator replica that holds the device: a command for its agent, and the answer. */
    public static final Topic.Request<DeviceCommand, CommandResponse> DEVICE_COMMAND =
            new Topic.Request<>("device.command", DeviceCommand.parser(), CommandResponse.parser());

    /** A stream's frames from the client's coordinator replica to the one that holds the device. */
    public static final Topic.Tell<StreamRelay> STREAM_TO_DEVICE =
            new Topic.Tell<>("stream.to-device", StreamRelay.parser());

    /** A stream's frames from the replica that holds the device back to the client's replica. */
    public static final Topic.Tell<StreamRelay> STREAM_FROM_DEVICE =
            new Topic.Tell<>("stream.from-device", StreamRelay.parser());

    /** All of them, in the order of the table in docs/architecture.md. */
    public static final List<Topic> ALL = List.of(
            TOKEN_REVOKED,
            DEVICE_TARGET_CHANGED,
            DEVICE_DEPROVISIONED,
            DEVICE_CONNECTION,
            RESERVATION_PROMOTED,
            INSTANCE_STATUS,
            VPN_CHANGED,
            DEVICE_COMMAND,
            STREAM_TO_DEVICE,
            STREAM_FROM_DEVICE);

    private Topics() {}
}
