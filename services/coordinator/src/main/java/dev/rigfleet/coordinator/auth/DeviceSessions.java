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
        DeviceIdentity device = new DeviceIdentity(
                jwt.getSubject(),
                number(jwt.getClaim(CloudIdentities.DEVICE_ID_CLAIM)),
                number(jwt.getClaim(CloudIdentities.APP_ID_CLAIM)),
                UUID.fromString(text(jwt.getClaim(CloudIdentities.OWNER_CLAIM))));
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder(identity)
                        .addAttribute(DeviceIdentityProvider.DEVICE_ATTRIBUTE, device)
                        .build());
    }

    // Claims arrive as JSON-P values or plain Java ones, depending on how they were read.
    private static long number(Object claim) {
        return claim instanceof JsonNumber json ? json.longValue() : ((Number) claim).longValue();
    }

    private static String text(Object claim) {
        return claim instanceof JsonString json ? json.getString() : String.valueOf(claim);
    }
}
