package dev.rigfleet.registry.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the registry's API answers. Identities are named as the supervisor APIs name them ({@code appId},
 * {@code deviceId}, {@code releaseId}, {@code uuid}); every other field is snake_case, as in the spec's API.
 */
public final class Views {

    private Views() {}

    public record FleetView(
            long appId,
            String name,
            UUID owner,
            @JsonProperty("target_release") Long targetRelease,
            @JsonProperty("created_at") Instant createdAt) {

        public static FleetView of(Fleet fleet) {
            return new FleetView(fleet.id, fleet.name, fleet.ownerId, fleet.targetReleaseId, fleet.createdAt);
        }
    }

    public record FleetList(
            List<FleetView> fleets,
            @JsonProperty("page_count") int pageCount) {}

    public record ReleaseView(
            long releaseId,
            long appId,
            String commit,
            List<ServiceSpec> services,
            @JsonProperty("created_at") Instant createdAt) {

        public static ReleaseView of(Release release) {
            return new ReleaseView(
                    release.id, release.fleetId, release.commit, release.services.items(), release.createdAt);
        }
    }

    public record ReleaseList(List<ReleaseView> releases) {}

    public record CloudIdentity(
            String provider, @JsonProperty("instance_id") String instanceId) {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DeviceView(
            String uuid,
            long deviceId,
            String name,
            long appId,
            UUID owner,
            Map<String, String> tags,
            @JsonProperty("pinned_release") Long pinnedRelease,
            /* null when presence cannot be read (Redis unreachable) */
            Boolean online,
            boolean provisioned,
            @JsonProperty("first_seen") Instant firstSeen,
            @JsonProperty("last_seen") Instant lastSeen,
            @JsonProperty("reported_state") Map<String, Object> reportedState,
            @JsonProperty("cloud_identity") CloudIdentity cloudIdentity,
            @JsonProperty("target_version") long targetVersion,
            @JsonProperty("created_at") Instant createdAt) {

        public static DeviceView of(Device device, Boolean online) {
            return new DeviceView(
                    device.uuid,
                    device.id,
                    device.name,
                    device.fleetId,
                    device.ownerId,
                    device.tags,
                    device.pinnedReleaseId,
                    online,
                    device.credentialSha256 != null,
                    device.firstSeen,
                    device.lastSeen,
                    device.reportedState,
                    device.cloudProvider == null
                            ? null
                            : new CloudIdentity(device.cloudProvider, device.cloudInstanceId),
                    device.targetVersion,
                    device.createdAt);
        }
    }

    public record DeviceList(
            List<DeviceView> devices,
            @JsonProperty("page_count") int pageCount) {}

    public record Environment(Map<String, String> env) {}

    /** A provisioning key as listed: never the key itself, which only its creation shows. */
    public record KeyView(
            long id,
            long appId,
            String description,
            @JsonProperty("expires_at") Instant expiresAt,
            @JsonProperty("max_uses") int maxUses,
            int uses,
            @JsonProperty("revoked_at") Instant revokedAt,
            @JsonProperty("created_at") Instant createdAt) {

        public static KeyView of(ProvisioningKey key) {
            return new KeyView(
                    key.id,
                    key.fleetId,
                    key.description,
                    key.expiresAt,
                    key.maxUses,
                    key.uses,
                    key.revokedAt,
                    key.createdAt);
        }
    }

    /** A new provisioning key: the only time {@code key} is shown. */
    public record NewKey(
            @JsonProperty("provisioning_key") String key,
            @JsonProperty("details") KeyView details) {}

    public record KeyList(@JsonProperty("provisioning_keys") List<KeyView> keys) {}

    /** What a device gets when it enrols; {@code credential} is shown this once. */
    public record Enrolment(String uuid, long deviceId, long appId, String name, String credential) {}

    /** Who a device credential belongs to, for the coordinator. */
    public record Identity(String uuid, long deviceId, long appId, UUID owner) {}

    public record Transition(boolean online, Instant at) {}

    public record History(
            List<Transition> transitions,
            @JsonProperty("page_count") int pageCount) {}

    /** One request through the supervisor proxy, as the audit lists it. */
    public record SupervisorCommandView(
            long id,
            @JsonProperty("request_id") String requestId,
            UUID user,
            UUID owner,
            String method,
            String url,
            List<SupervisorCommand.DeviceOutcome> devices,
            @JsonProperty("duration_ms") long durationMs,
            @JsonProperty("created_at") Instant createdAt) {

        public static SupervisorCommandView of(SupervisorCommand command) {
            return new SupervisorCommandView(
                    command.id,
                    command.requestId,
                    command.userId,
                    command.ownerId,
                    command.method,
                    command.url,
                    command.devices.items(),
                    command.durationMs,
                    command.createdAt);
        }
    }

    public record SupervisorCommandList(
            List<SupervisorCommandView> commands,
            @JsonProperty("page_count") int pageCount) {}
}
