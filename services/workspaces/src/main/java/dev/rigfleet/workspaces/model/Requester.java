package dev.rigfleet.workspaces.model;

import dev.rigfleet.common.auth.Caller;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * A user asking about hardware: access rules name users by {@code username}, ownership goes by {@code id}. Tokens
 * carry both ({@code sub} and {@code preferred_username}).
 */
public record Requester(UUID id, String username, boolean admin) {

    /** Null for an anonymous request. */
    public static Requester ofOrNull(SecurityIdentity identity) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return null;
        }
        return new Requester(UUID.fromString(jwt.getSubject()), jwt.getName(), identity.hasRole(Caller.ADMIN_SCOPE));
    }

    public boolean mayManage(UUID owner) {
        return admin || id.equals(owner);
    }
}
