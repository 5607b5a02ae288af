package dev.rigfleet.common.auth;

import dev.rigfleet.common.error.ApiException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Refuses a verified token that has been revoked. */
@ApplicationScoped
public class RevocationCheck implements SecurityIdentityAugmentor {

    private final RevokedTokens revoked;

    public RevocationCheck(RevokedTokens revoked) {
        this.revoked = revoked;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        if (!revoked.isLoaded()) {
            // Accepting tokens before the list is known could let a revoked one in.
            return Uni.createFrom()
                    .failure(ApiException.unavailable("the token revocation list is not loaded yet; retry shortly"));
        }
        if (revoked.isRevoked(TokenHashes.sha256(jwt.getRawToken()))) {
            return Uni.createFrom().failure(new AuthenticationFailedException("token revoked"));
        }
        return Uni.createFrom().item(identity);
    }
}
