package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.Device;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class DeviceRepository implements PanacheRepositoryBase<Device, Long> {

    public Uni<Device> findByUuid(String uuid) {
        return find("uuid", uuid).firstResult();
    }

    public Uni<Device> findByCredential(String credentialSha256) {
        return find("credentialSha256", credentialSha256).firstResult();
    }

    public Uni<Device> findByCloudIdentity(String provider, String instanceId) {
        return find("cloudProvider = ?1 and cloudInstanceId = ?2", provider, instanceId)
                .firstResult();
    }

    public Uni<Long> countInFleet(long fleetId) {
        return count("fleetId", fleetId);
    }

    /**
     * Moves the target-state version of a fleet's devices on: all of them, or only those that follow the fleet's
     * target release. Returns the devices touched, with their new versions.
     */
    public Uni<List<Device>> bumpFleet(long fleetId, boolean onlyFollowers) {
        String which = onlyFollowers ? "fleetId = ?1 and pinnedReleaseId is null" : "fleetId = ?1";
        return update("targetVersion = targetVersion + 1 where " + which, fleetId)
                .chain(() -> list(which, fleetId));
    }
}
