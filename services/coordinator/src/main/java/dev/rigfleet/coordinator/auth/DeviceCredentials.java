package dev.rigfleet.coordinator.auth;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.coordinator.client.RegistryClient;
import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import dev.rigfleet.coordinator.config.CloudIdentityConfig;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.regex.Pattern;

/**
 * Checks device credentials with the registry and remembers the answer briefly, so that a wave of reconnecting
 * agents costs one registry call each at most once per {@code credential-cache-ttl}. A deprovisioning drops the
 * entry at once ({@link #forget}). Unknown credentials are not remembered.
 */
@ApplicationScoped
public class DeviceCredentials {

    /** What the registry issues: 256 random bits as lower-case hex. */
    public static final Pattern SHAPE = Pattern.compile("[0-9a-f]{64}");

    private final RegistryClient registry;
    private final AsyncCache<String, DeviceIdentity> checked;
    /** Deprovisioned devices, remembered as long as a session token issued before could still be valid. */
    private final Cache<String, Boolean> deprovisioned;

    public DeviceCredentials(RegistryClient registry, CoordinatorConfig config, CloudIdentityConfig identities) {
        this.registry = registry;
        this.deprovisioned = Caffeine.newBuilder()
                .expireAfterWrite(identities.sessionTokenTtl())
                .maximumSize(1_000_000)
                .build();
        this.checked = Caffeine.newBuilder()
                .expireAfterWrite(config.credentialCacheTtl())
                .maximumSize(200_000)
                .buildAsync();
    }

    /** The device the credential belongs to; fails when the registry does not know it. */
    public Uni<DeviceIdentity> identify(String credential) {
        String sha256 = TokenHashes.sha256(credential);
        return Uni.createFrom()
                .completionStage(() -> checked.get(
                        sha256, (key, executor) -> registry.identify(key).subscribeAsCompletionStage()));
    }

    /** Drops a deprovisioned device: its credential's cached check, and any session token it still holds. */
    public void deprovisioned(String deviceUuid, String credentialSha256) {
        checked.synchronous().invalidate(credentialSha256);
        deprovisioned.put(deviceUuid, Boolean.TRUE);
    }

    public boolean isDeprovisioned(String deviceUuid) {
        return deprovisioned.getIfPresent(deviceUuid) != null;
    }
}
