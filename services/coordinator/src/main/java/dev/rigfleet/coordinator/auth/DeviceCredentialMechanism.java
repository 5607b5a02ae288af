package dev.rigfleet.coordinator.auth;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;

/**
 * Device credentials, and the tokens Coder's clients and agents send that the JWT mechanism does not read. {@code
 * Coder-Session-Token}, the header of the spec and of codersdk, carries a device credential or a JWT (a user's token,
 * or a device session token from the cloud identity routes); a device credential may also come as {@code
 * Authorization: Bearer <credential>}. JWTs in {@code Authorization} are left to the JWT mechanism.
 */
@ApplicationScoped
public class DeviceCredentialMechanism implements HttpAuthenticationMechanism {

    public static final String SESSION_TOKEN_HEADER = "Coder-Session-Token";
    private static final String BEARER = "Bearer ";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        AuthenticationRequest request = requestOf(context);
        if (request == null) {
            return Uni.createFrom().optional(Optional.empty());
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(request, context));
    }

    /**
     * Before the JWT mechanism (of the default priority): it would take a bearer credential for a malformed JWT and
     * refuse it, and which of two mechanisms of one priority goes first is not defined.
     */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(DeviceCredentialRequest.class, SessionTokenRequest.class);
    }

    private static AuthenticationRequest requestOf(RoutingContext context) {
        String session = context.request().getHeader(SESSION_TOKEN_HEADER);
        if (session != null) {
            return isCredential(session) ? new DeviceCredentialRequest(session) : new SessionTokenRequest(session);
        }
        String authorization = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.startsWith(BEARER)) {
            String bearer = authorization.substring(BEARER.length()).trim();
            if (isCredential(bearer)) {
                return new DeviceCredentialRequest(bearer);
            }
        }
        return null;
    }

    private static boolean isCredential(String token) {
        return DeviceCredentials.SHAPE.matcher(token).matches();
    }
}
