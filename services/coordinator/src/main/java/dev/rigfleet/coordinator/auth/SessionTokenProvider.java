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
 * Verifies a JWT from {@code Coder-Session-Token} exactly as the JWT mechanism verifies bearer tokens (key, issuer,
 * the accepted audiences, expiry), so that a token is worth the same in either header. The augmentors then apply as
 * to any token: revocation, and {@link DeviceSessions}.
 */
@ApplicationScoped
public class SessionTokenProvider implements IdentityProvider<SessionTokenRequest> {

    private final JWTParser parser;

    public SessionTokenProvider(JWTParser parser) {
        this.parser = parser;
    }

    @Override
    public Class<SessionTokenRequest> getRequestType() {
        return SessionTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(SessionTokenRequest request, AuthenticationRequestContext context) {
        JsonWebToken token;
        try {
            token = parser.parse(request.token());
        } catch (ParseException e) {
            return Uni.createFrom().failure(new AuthenticationFailedException("invalid session token"));
        }
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder()
                        .setPrincipal(token)
                        .addRoles(token.getGroups())
                        .build());
    }
}
