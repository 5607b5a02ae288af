package dev.rigfleet.coordinator.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies a device session token from {@code Coder-Session-Token} exactly as the JWT mechanism verifies bearer
 * tokens (key, issuer, expiry), and accepts only the audience {@value CloudIdentities#AUDIENCE}. The augmentors then
 * apply as to any token: revocation, and {@link DeviceSessions}.
 */
@ApplicationScoped
public class DeviceSessionProvider implements IdentityProvider<DeviceSessionRequest> {

    private final JWTParser parser;

    public DeviceSessionProvider(JWTParser parser) {
        this.parser = parser;
    }

    @Override
    public Class<DeviceSessionRequest> getRequestType() {
        return DeviceSessionRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(DeviceSessionRequest request, AuthenticationRequestContext context) {
        JsonWebToken token;
        try {
            token = parser.parse(request.token());
        } catch (ParseException e) {
            return Uni.createFrom().failure(new AuthenticationFailedException("invalid session token"));
        }
        if (token.getAudience() == null || !token.getAudience().contains(CloudIdentities.AUDIENCE)) {
            return Uni.createFrom().failure(new AuthenticationFailedException("not a device session token"));
        }
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder()
                        .setPrincipal(token)
                        .addRoles(token.getGroups())
                        .build());
    }
}
