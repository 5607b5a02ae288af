package dev.rigfleet.coordinator.auth;

import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Makes a device session token (from the cloud identity routes) an agent's identity, like a device credential: the
 * token names the device in its claims. A token of a device deprovisioned since it was issued is refused.
 */
@ApplicationScoped
public class DeviceSessions implements SecurityIdentityAugmentor {

    private final DeviceCredentials credentials;

    public DeviceSessions(DeviceCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)
                || jwt.getAudience() == null
                || !jwt.getAudience().contains(CloudIdentities.AUDIENCE)) {
            return Uni.createFrom().item(identity);
        }
        if (credentials.isDeprovisioned(jwt.getSubject())) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the device has been deprovisioned"));
        }
        Long deviceId = number(jwt.getClaim(CloudIdentities.DEVICE_ID_CLAIM));
        Long appId = number(jwt.getClaim(CloudIdentities.APP_ID_CLAIM));
        UUID owner = uuid(jwt.getClaim(CloudIdentities.OWNER_CLAIM));
        if (deviceId == null || appId == null || owner == null) {
            // Signed with rigfleet's key for audience device, yet not issued by the cloud identity routes.
            return Uni.createFrom().failure(new AuthenticationFailedException("not a device session token"));
        }
        DeviceIdentity device = new DeviceIdentity(jwt.getSubject(), deviceId, appId, owner);
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder(identity)
                        .addAttribute(DeviceIdentityProvider.DEVICE_ATTRIBUTE, device)
                        .build());
    }

    // Claims arrive as JSON-P values or plain Java ones, depending on how they were read.
    private static Long number(Object claim) {
        if (claim instanceof JsonNumber json) {
            return json.longValue();
        }
        return claim instanceof Number plain ? plain.longValue() : null;
    }

    private static UUID uuid(Object claim) {
        String text =
                claim instanceof JsonString json ? json.getString() : claim instanceof String plain ? plain : null;
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
