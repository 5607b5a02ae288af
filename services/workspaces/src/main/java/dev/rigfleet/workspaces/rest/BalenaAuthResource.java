package dev.rigfleet.workspaces.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.workspaces.model.Scopes;
import dev.rigfleet.workspaces.model.User;
import dev.rigfleet.workspaces.service.AccountService;
import dev.rigfleet.workspaces.service.TokenService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The two account routes of balena's API that balena-sdk calls on a user's token: who the token names ({@code GET
 * /actor/v1/whoami}) and a fresh token once the one held is a day old ({@code GET /user/v1/refresh-token}).
 */
@Path("/")
@RolesAllowed(Scopes.USER)
public class BalenaAuthResource {

    /** balena's answer; balena's ids are numbers, rigfleet's are UUIDs, and rigfleet keeps no e-mail address. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Actor(UUID id, String actorType, UUID actorTypeId, String username, String email) {}

    private final AccountService accounts;
    private final TokenService tokens;
    private final JsonWebToken token;

    public BalenaAuthResource(AccountService accounts, TokenService tokens, JsonWebToken token) {
        this.accounts = accounts;
        this.tokens = tokens;
        this.token = token;
    }

    @GET
    @Path("/actor/v1/whoami")
    public Uni<Actor> whoami() {
        return user().map(user -> new Actor(user.id, "user", user.id, user.username, null));
    }

    /**
     * The new token as text, as balena answers it: the scopes of the token presented (those the user still holds)
     * and its lifetime. The token presented stays valid until it expires or is revoked.
     */
    @GET
    @Path("/user/v1/refresh-token")
    @Produces(MediaType.TEXT_PLAIN)
    public Uni<String> refresh() {
        long lifetime = token.getExpirationTime() - token.getIssuedAtTime();
        return user().chain(user -> {
                    Set<String> scopes = new TreeSet<>(token.getGroups());
                    scopes.retainAll(user.grantableScopes());
                    return tokens.issue(user, scopes, null, tokens.clampedLifetime(lifetime));
                })
                .map(issued -> issued.token());
    }

    private Uni<User> user() {
        return accounts.find(UUID.fromString(token.getSubject())).map(user -> {
            if (user == null) {
                throw ApiException.unauthorized(ErrorMappers.WRONG_TOKEN);
            }
            return user;
        });
    }
}
