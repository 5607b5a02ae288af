package dev.rigfleet.registry.service;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.Fleet;
import dev.rigfleet.registry.model.Release;
import dev.rigfleet.registry.repository.DeviceRepository;
import dev.rigfleet.registry.repository.FleetRepository;
import dev.rigfleet.registry.repository.ReleaseRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Finds what a caller may see. Another owner's fleet or device is as unknown as one that never existed: both answer
 * 404, so ids cannot be probed.
 */
@ApplicationScoped
public class Lookups {

    private final FleetRepository fleets;
    private final DeviceRepository devices;
    private final ReleaseRepository releases;

    public Lookups(FleetRepository fleets, DeviceRepository devices, ReleaseRepository releases) {
        this.fleets = fleets;
        this.devices = devices;
        this.releases = releases;
    }

    public Uni<Fleet> fleet(Caller caller, long appId) {
        return fleets.findById(appId).map(fleet -> {
            if (fleet == null || !caller.mayAccess(fleet.ownerId)) {
                throw ApiException.notFound("no fleet " + appId);
            }
            return fleet;
        });
    }

    public Uni<Device> device(Caller caller, String uuid) {
        return devices.findByUuid(uuid).map(device -> {
            if (device == null || !caller.mayAccess(device.ownerId)) {
                throw ApiException.notFound("no device " + uuid);
            }
            return device;
        });
    }

    /** A release of this fleet; a release of another fleet is refused as unknown. */
    public Uni<Release> releaseOf(Fleet fleet, long releaseId) {
        return releases.findById(releaseId).map(release -> {
            if (release == null || !release.fleetId.equals(fleet.id)) {
                throw ApiException.notFound("fleet " + fleet.id + " has no release " + releaseId);
            }
            return release;
        });
    }
}
