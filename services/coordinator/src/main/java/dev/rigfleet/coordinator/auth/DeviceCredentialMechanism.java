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
 * Agents authenticate with their device credential, as Coder's agents do with their token: in a {@code
 * Coder-Session-Token} header or as {@code Authorization: Bearer <credential>}. A device session token (a JWT from
 * the cloud identity routes) is accepted in {@code Coder-Session-Token} too; JWTs in {@code Authorization} are left
 * to the JWT mechanism, which checks users' and devices' tokens alike.
 */
@ApplicationScoped
public class DeviceCredentialMechanism implements HttpAuthenticationMechanism {

    public static final String SESSION_TOKEN_HEADER = "Coder-Session-Token";
    private static final String BEARER = "Bearer ";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String credential = credentialOf(context);
        if (credential != null) {
            return identities.authenticate(
                    HttpSecurityUtils.setRoutingContextAttribute(new DeviceCredentialRequest(credential), context));
        }
        // Coder's agents send their session token in this header too: a JWT from the cloud identity routes.
        String session = context.request().getHeader(SESSION_TOKEN_HEADER);
        if (session != null && session.chars().filter(c -> c == '.').count() == 2) {
            return identities.authenticate(
                    HttpSecurityUtils.setRoutingContextAttribute(new DeviceSessionRequest(session), context));
        }
        return Uni.createFrom().optional(Optional.empty());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(DeviceCredentialRequest.class, DeviceSessionRequest.class);
    }

    private static String credentialOf(RoutingContext context) {
        String session = context.request().getHeader(SESSION_TOKEN_HEADER);
        if (session != null && DeviceCredentials.SHAPE.matcher(session).matches()) {
            return session;
        }
        String authorization = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.startsWith(BEARER)) {
            String bearer = authorization.substring(BEARER.length()).trim();
            if (DeviceCredentials.SHAPE.matcher(bearer).matches()) {
                return bearer;
            }
        }
        return null;
    }
}
