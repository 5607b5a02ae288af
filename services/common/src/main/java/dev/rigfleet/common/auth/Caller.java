package dev.rigfleet.common.auth;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Who is asking: the user a token names, and whether its scopes let it see everyone's things. */
public record Caller(UUID userId, boolean admin) {

    public static final String USER_SCOPE = "user";
    public static final String ADMIN_SCOPE = "admin";

    public static Caller of(SecurityIdentity identity) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw new UnauthorizedException();
        }
        return new Caller(UUID.fromString(jwt.getSubject()), identity.hasRole(ADMIN_SCOPE));
    }

    /** Whether this caller may see and touch a thing owned by {@code owner}. */
    public boolean mayAccess(UUID owner) {
        return admin || userId.equals(owner);
    }
}
