package dev.rigfleet.coordinator.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.coordinator.client.RegistryClient;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.TargetState;
import dev.rigfleet.proto.bus.TargetStateChanged;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Pushes each held agent its device's target state, as the registry has it: on connect and on every change. */
@ApplicationScoped
class TargetStatePushes {

    private final HeldLinks links;
    private final Bus bus;
    private final RegistryClient registry;
    private final ObjectMapper json;

    TargetStatePushes(HeldLinks links, Bus bus, RegistryClient registry, ObjectMapper json) {
        this.links = links;
        this.bus = bus;
        this.registry = registry;
        this.json = json;
    }

    void listen(@Observes StartupEvent started) {
        bus.onEvent(Topics.DEVICE_TARGET_CHANGED, this::changed);
    }

    Uni<Void> push(Link link) {
        return registry.targetState(link.device.uuid()).chain(state -> {
            long version;
            try {
                version = json.readTree(state).path("version").asLong();
            } catch (Exception e) {
                return Uni.createFrom().failure(e);
            }
            return link.send(ServerFrame.newBuilder()
                    .setTargetState(
                            TargetState.newBuilder().setVersion(version).setJson(ByteString.copyFromUtf8(state)))
                    .build());
        });
    }

    private void changed(TargetStateChanged changed) {
        changed.getDevicesList().forEach(target -> {
            Link link = links.ofDevice(target.getUuid());
            if (link != null) {
                push(link)
                        .subscribe()
                        .with(
                                ok -> {},
                                e -> Log.warnf(
                                        "Could not push target state %d to %s: %s",
                                        target.getVersion(), target.getUuid(), e.getMessage()));
            }
        });
    }
}
