package dev.rigfleet.coordinator.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.BusException;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.bus.DeviceCommand;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Commands from the bus to the agents this replica holds, and their answers. A command waits for its answer from the
 * connection it was sent on, until its deadline; a connection that closes fails what it still owes.
 */
@ApplicationScoped
class AgentCommands {

    /** Commands sent and not yet answered, by connection id and command id: only that connection may answer. */
    private final Map<String, UniEmitter<? super CommandResponse>> pending = new ConcurrentHashMap<>();

    private final HeldLinks links;
    private final Bus bus;
    private final CoordinatorConfig config;

    AgentCommands(HeldLinks links, Bus bus, CoordinatorConfig config) {
        this.links = links;
        this.bus = bus;
        this.config = config;
    }

    void listen(@Observes StartupEvent started) {
        bus.onRequest(Topics.DEVICE_COMMAND, this::command);
    }

    /** A command for a device this replica may hold; refused as offline unless held at that epoch. */
    private Uni<CommandResponse> command(DeviceCommand command, Optional<Instant> deadline) {
        Link link = links.held(command.getDeviceUuid(), command.getEpoch());
        if (link == null) {
            return Uni.createFrom()
                    .failure(new BusException(
                            BusException.Reason.REMOTE_FAILURE,
                            DeviceCommands.OFFLINE,
                            "device " + command.getDeviceUuid() + " is not held here"));
        }
        CommandRequest request = command.getRequest();
        Duration timeout = deadline.map(
                        at -> Duration.ofMillis(Math.max(1, at.toEpochMilli() - System.currentTimeMillis())))
                .orElse(config.commandTimeout());
        String key = key(link, request.getCommandId());
        return Uni.createFrom()
                .<CommandResponse>emitter(emitter -> {
                    if (pending.putIfAbsent(key, emitter) != null) {
                        emitter.fail(new BusException(
                                BusException.Reason.REMOTE_FAILURE,
                                DeviceCommands.DUPLICATE,
                                "command " + request.getCommandId() + " is running already"));
                        return;
                    }
                    link.send(ServerFrame.newBuilder()
                                    .setCommandRequest(request)
                                    .build())
                            .subscribe()
                            // A failed write may still have left part of the frame: the agent may have the command.
                            .with(
                                    sent -> {},
                                    failure -> emitter.fail(new BusException(
                                            BusException.Reason.REMOTE_FAILURE,
                                            DeviceCommands.DROPPED,
                                            "could not send the command to the agent: " + failure.getMessage())));
                })
                .ifNoItem()
                .after(timeout)
                // An agent that does not answer in time is an answer of its own kind, not a failure of this replica.
                .failWith(() -> new BusException(
                        BusException.Reason.REMOTE_FAILURE,
                        DeviceCommands.TIMED_OUT,
                        "device " + command.getDeviceUuid() + " did not answer within " + timeout.toMillis() + " ms"))
                .onTermination()
                .invoke(() -> pending.remove(key));
    }

    /** The agent's answer, taken only from the connection the command went out on. */
    void answered(Link link, CommandResponse response) {
        UniEmitter<? super CommandResponse> waiting = pending.remove(key(link, response.getCommandId()));
        if (waiting != null) {
            waiting.complete(response);
        }
    }

    /** Fails every command the closed connection still owes an answer, as dropped: the agent may have run it. */
    void closed(Link link) {
        String prefix = link.connection.id() + "/";
        pending.keySet().removeIf(key -> {
            if (key.startsWith(prefix)) {
                UniEmitter<? super CommandResponse> waiting = pending.get(key);
                if (waiting != null) {
                    waiting.fail(new BusException(
                            BusException.Reason.REMOTE_FAILURE,
                            DeviceCommands.DROPPED,
                            "the agent's connection closed"));
                }
                return true;
            }
            return false;
        });
    }

    private static String key(Link link, String commandId) {
        return link.connection.id() + "/" + commandId;
    }
}
