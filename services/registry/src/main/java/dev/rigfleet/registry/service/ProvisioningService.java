package dev.rigfleet.registry.service;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.ProvisioningKey;
import dev.rigfleet.registry.model.Views.CloudIdentity;
import dev.rigfleet.registry.model.Views.Enrolment;
import dev.rigfleet.registry.repository.DeviceRepository;
import dev.rigfleet.registry.repository.FleetRepository;
import dev.rigfleet.registry.repository.ProvisioningKeyRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import org.hibernate.exception.ConstraintViolationException;

/** Enrols a device that presents a provisioning key: a new identity and a credential, shown once. */
@ApplicationScoped
public class ProvisioningService {

    private final ProvisioningKeyRepository keys;
    private final FleetRepository fleets;
    private final DeviceRepository devices;

    public ProvisioningService(ProvisioningKeyRepository keys, FleetRepository fleets, DeviceRepository devices) {
        this.keys = keys;
        this.fleets = fleets;
        this.devices = devices;
    }

    public Uni<Enrolment> provision(String keyText, String name, CloudIdentity cloudIdentity) {
        String credential = Secrets.secret();
        return Panache.withTransaction(() -> keys.lockByHash(TokenHashes.sha256(keyText))
                        .invoke(ProvisioningService::checkUsable)
                        .chain(key -> fleets.findById(key.fleetId).chain(fleet -> {
                            key.uses++;
                            Device device = new Device();
                            device.uuid = Secrets.deviceUuid();
                            device.name = name != null ? name : "device-" + device.uuid.substring(0, 7);
                            device.fleetId = fleet.id;
                            device.ownerId = fleet.ownerId;
                            device.tags = Map.of();
                            device.credentialSha256 = TokenHashes.sha256(credential);
                            device.targetVersion = 1;
                            device.createdAt = Instant.now();
                            if (cloudIdentity != null) {
                                device.cloudProvider = cloudIdentity.provider();
                                device.cloudInstanceId = cloudIdentity.instanceId();
                            }
                            return devices.persist(device);
                        })))
                .onFailure(ConstraintViolationException.class)
                .transform(e -> ApiException.conflict("a device with that cloud identity is enrolled already"))
                .map(device -> new Enrolment(device.uuid, device.id, device.fleetId, device.name, credential));
    }

    private static void checkUsable(ProvisioningKey key) {
        if (key == null) {
            throw new ApiException(403, "unknown_key", "unknown provisioning key");
        }
        if (key.revokedAt != null) {
            throw new ApiException(403, "key_revoked", "this provisioning key has been revoked");
        }
        if (!key.expiresAt.isAfter(Instant.now())) {
            throw new ApiException(403, "key_expired", "this provisioning key expired at " + key.expiresAt);
        }
        if (key.uses >= key.maxUses) {
            throw new ApiException(
                    403, "key_used_up", "this provisioning key has enrolled its " + key.maxUses + " device(s)");
        }
    }
}
