package dev.rigfleet.registry.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.bus.DeviceTarget;
import dev.rigfleet.proto.bus.TargetStateChanged;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.Fleet;
import dev.rigfleet.registry.model.Release;
import dev.rigfleet.registry.model.ServiceSpec;
import dev.rigfleet.registry.model.TargetState;
import dev.rigfleet.registry.repository.EnvVarRepository;
import dev.rigfleet.registry.repository.FleetRepository;
import dev.rigfleet.registry.repository.ReleaseRepository;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** Derives a device's target state, and tells the device link when target states change. */
@ApplicationScoped
public class TargetStates {

    private final FleetRepository fleets;
    private final ReleaseRepository releases;
    private final EnvVarRepository env;
    private final Bus bus;

    public TargetStates(FleetRepository fleets, ReleaseRepository releases, EnvVarRepository env, Bus bus) {
        this.fleets = fleets;
        this.releases = releases;
        this.env = env;
        this.bus = bus;
    }

    /** Must run inside a session. */
    public Uni<TargetState> of(Device device) {
        return fleets.findById(device.fleetId).chain(fleet -> {
            Long releaseId = device.effectiveReleaseId(fleet);
            Uni<Release> release = releaseId == null ? Uni.createFrom().nullItem() : releases.findById(releaseId);
            return release.chain(
                    found -> environment(fleet, device).map(variables -> build(device, fleet, found, variables)));
        });
    }

    /** Announces, after the change is stored, that these devices have new target-state versions. */
    public Uni<Void> announce(Collection<Device> changed) {
        if (changed.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        TargetStateChanged.Builder event = TargetStateChanged.newBuilder();
        changed.forEach(device -> event.addDevices(DeviceTarget.newBuilder()
                .setDeviceId(device.id)
                .setUuid(device.uuid)
                .setVersion(device.targetVersion)));
        // Stored already; a device link that misses this sends the current target state when the agent connects.
        return bus.publish(Topics.DEVICE_TARGET_CHANGED, event.build())
                .onFailure()
                .invoke(e -> Log.warnf(
                        "Could not announce new target states of %d device(s): %s", changed.size(), e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    private Uni<Map<String, String>> environment(Fleet fleet, Device device) {
        return env.ofFleet(fleet.id)
                .chain(fleetVars -> env.ofDevice(device.id).map(deviceVars -> {
                    Map<String, String> merged = new TreeMap<>();
                    fleetVars.forEach(variable -> merged.put(variable.name, variable.value));
                    deviceVars.forEach(variable -> merged.put(variable.name, variable.value));
                    return merged;
                }));
    }

    private static TargetState build(Device device, Fleet fleet, Release release, Map<String, String> variables) {
        TargetState.TargetRelease target = release == null
                ? null
                : new TargetState.TargetRelease(
                        release.id,
                        release.commit,
                        release.services.items().stream()
                                .map(service -> withEnvironment(service, variables))
                                .toList());
        return new TargetState(
                device.uuid, device.id, device.name, device.targetVersion, fleet.id, fleet.name, target, variables);
    }

    private static ServiceSpec withEnvironment(ServiceSpec service, Map<String, String> variables) {
        Map<String, String> merged = new TreeMap<>(service.environment());
        merged.putAll(variables);
        return new ServiceSpec(
                service.uuid(),
                service.name(),
                service.image(),
                service.command(),
                merged,
                service.healthcheck(),
                service.restart(),
                service.config(),
                service.routes());
    }
}
