package dev.rigfleet.registry.rest;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import dev.rigfleet.proto.bus.DeviceTarget;
import dev.rigfleet.proto.bus.Envelope;
import dev.rigfleet.proto.bus.TargetStateChanged;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Listens on the registry's event channel as a device link would, and keeps what it hears. */
@ApplicationScoped
public class DeviceEvents {

    private final List<Envelope> heard = new CopyOnWriteArrayList<>();

    void listen(@Observes StartupEvent started, Bus bus) {
        bus.onEvent("devices", heard::add);
    }

    /** The target-state changes heard so far that name this device. */
    public List<DeviceTarget> targetChanges(String uuid) {
        return heard.stream()
                .filter(envelope -> envelope.getType().equals("device.target.changed"))
                .flatMap(envelope -> parse(envelope).getDevicesList().stream())
                .filter(target -> target.getUuid().equals(uuid))
                .toList();
    }

    public List<DeviceDeprovisioned> deprovisioned(String uuid) {
        return heard.stream()
                .filter(envelope -> envelope.getType().equals("device.deprovisioned"))
                .map(envelope -> {
                    try {
                        return DeviceDeprovisioned.parseFrom(envelope.getPayload());
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                })
                .filter(event -> event.getUuid().equals(uuid))
                .toList();
    }

    private static TargetStateChanged parse(Envelope envelope) {
        try {
            return TargetStateChanged.parseFrom(envelope.getPayload());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
