package dev.rigfleet.registry.rest;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import dev.rigfleet.proto.bus.DeviceTarget;
import dev.rigfleet.proto.bus.TargetStateChanged;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Listens on the registry's device topics as a device link would, and keeps what it hears. */
@ApplicationScoped
public class DeviceEvents {

    private final List<TargetStateChanged> targetChanges = new CopyOnWriteArrayList<>();
    private final List<DeviceDeprovisioned> deprovisioned = new CopyOnWriteArrayList<>();

    void listen(@Observes StartupEvent started, Bus bus) {
        bus.onEvent(Topics.DEVICE_TARGET_CHANGED, targetChanges::add);
        bus.onEvent(Topics.DEVICE_DEPROVISIONED, deprovisioned::add);
    }

    /** The target-state changes heard so far that name this device. */
    public List<DeviceTarget> targetChanges(String uuid) {
        return targetChanges.stream()
                .flatMap(event -> event.getDevicesList().stream())
                .filter(target -> target.getUuid().equals(uuid))
                .toList();
    }

    public List<DeviceDeprovisioned> deprovisioned(String uuid) {
        return deprovisioned.stream()
                .filter(event -> event.getUuid().equals(uuid))
                .toList();
    }
}
