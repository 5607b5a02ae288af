package dev.rigfleet.common.devices;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.BusException;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.bus.DeviceCommand;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;

/**
 * Sends a command to a device's agent, from any service: presence names the coordinator replica that holds the
 * device, and the bus carries the command to its inbox ({@link Topics#DEVICE_COMMAND}). A command that reached no agent fails with {@link
 * DeviceOffline} (sending it again is safe); one whose connection closed before the agent answered fails with {@link
 * DeviceDropped} (it may have run); one that gets no answer in time fails with the bus's time-out, whether the
 * requester's bus or the coordinator noticed first.
 */
@ApplicationScoped
public class DeviceCommands {

    /** The failure code a coordinator answers when it does not hold the device at the routed epoch. */
    public static final String OFFLINE = "offline";
    /** The failure code a coordinator answers when the agent's connection closed with the command unanswered. */
    public static final String DROPPED = "dropped";
    /** The failure code a coordinator answers when the agent did not answer before the command's deadline. */
    public static final String TIMED_OUT = "timed_out";
    /** The failure code a coordinator answers when a command of the same id is already waiting for the agent. */
    public static final String DUPLICATE = "duplicate";

    private final Presence presence;
    private final Bus bus;

    public DeviceCommands(Presence presence, Bus bus) {
        this.presence = presence;
        this.bus = bus;
    }

    public Uni<CommandResponse> send(String deviceUuid, CommandRequest request, Duration timeout) {
        return presence.holder(deviceUuid)
                .chain(holder -> holder.isEmpty()
                        ? Uni.createFrom().failure(new DeviceOffline(deviceUuid))
                        : send(deviceUuid, holder.get(), request, timeout));
    }

    /** Sends to the holder the caller read from presence already (one Redis round trip less per device). */
    public Uni<CommandResponse> send(
            String deviceUuid, Presence.Holder holder, CommandRequest request, Duration timeout) {
        CommandRequest identified = request.getCommandId().isEmpty()
                ? request.toBuilder().setCommandId(UUID.randomUUID().toString()).build()
                : request;
        DeviceCommand command = DeviceCommand.newBuilder()
                .setDeviceUuid(deviceUuid)
                .setEpoch(holder.epoch())
                .setRequest(identified.toBuilder().setEpoch(holder.epoch()))
                .build();
        return bus.request(bus.inboxOf(holder.replica()), Topics.DEVICE_COMMAND, command, timeout)
                .onFailure(BusException.class)
                .transform(failure -> named(deviceUuid, (BusException) failure));
    }

    private static RuntimeException named(String deviceUuid, BusException failure) {
        if (failure.reason() == BusException.Reason.NO_RESPONDER || OFFLINE.equals(failure.remoteCode())) {
            return new DeviceOffline(deviceUuid);
        }
        if (DROPPED.equals(failure.remoteCode())) {
            return new DeviceDropped(deviceUuid);
        }
        if (TIMED_OUT.equals(failure.remoteCode())) {
            // The same outcome as the bus's own time-out: the agent had the command and may still run it.
            return new BusException(BusException.Reason.TIMED_OUT, TIMED_OUT, failure.getMessage());
        }
        return failure;
    }

    /** No coordinator holds the device at the epoch the command was routed with: no agent got the command. */
    public static class DeviceOffline extends RuntimeException {

        public DeviceOffline(String deviceUuid) {
            super("device " + deviceUuid + " is offline", null, false, false);
        }
    }

    /** The agent had the command, or may have had it, when its connection closed: whether it ran is unknown. */
    public static class DeviceDropped extends RuntimeException {

        public DeviceDropped(String deviceUuid) {
            super("device " + deviceUuid + " dropped its connection before it answered", null, false, false);
        }
    }
}
