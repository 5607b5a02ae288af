package dev.rigfleet.instances.model;

import dev.rigfleet.common.auth.Caller;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The user asking, by id and name (the workspaces service's access rules name users), and whether an admin. */
public record Requester(UUID id, String username, boolean admin, String authorization) {

    public static Requester of(SecurityIdentity identity) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw new UnauthorizedException();
        }
        return new Requester(
                UUID.fromString(jwt.getSubject()),
                jwt.getName(),
                identity.hasRole(Caller.ADMIN_SCOPE),
                "Bearer " + jwt.getRawToken());
    }
}
