package dev.rigfleet.workspaces.ui;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.auth.SessionCookie;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.service.AccountService;
import dev.rigfleet.workspaces.service.TokenService;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import java.time.Duration;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The dashboard's sign-in and sign-out. Signing in issues the user a token as {@code POST /token} does, with all of
 * the user's scopes and the session's lifetime, and hands it to the browser only as the {@link SessionCookie}:
 * page scripts never see it. Signing out revokes that token, so a copy of the cookie is worthless after.
 */
@Path("/ui/session")
public class SessionResource {

    /** A working day; signing in again is cheap, a stolen cookie should not outlive the day. */
    static final Duration LIFETIME = Duration.ofHours(12);

    public record SignIn(@NotNull String user, @NotNull String password) {}

    public record Session(
            String username,
            Set<String> scopes,
            @JsonProperty("expires_at") long expiresAt) {}

    private final AccountService accounts;
    private final TokenService tokens;
    private final CurrentIdentityAssociation identities;

    public SessionResource(AccountService accounts, TokenService tokens, CurrentIdentityAssociation identities) {
        this.accounts = accounts;
        this.tokens = tokens;
        this.identities = identities;
    }

    @POST
    @Operation(summary = "Sign in: sets the HttpOnly session cookie holding a new token of the user")
    public Uni<Session> signIn(
            @Valid @NotNull SignIn pair, @Context HttpServerRequest request, @Context HttpServerResponse response) {
        return accounts.authenticate(pair.user(), pair.password())
                .chain(user -> tokens.issue(user, user.grantableScopes(), Set.of(), LIFETIME.toSeconds())
                        .map(issued -> {
                            response.addCookie(SessionCookie.holding(issued.token(), LIFETIME, request));
                            return new Session(user.username, issued.scopes(), issued.expiresAt());
                        }));
    }

    @DELETE
    @Authenticated
    @Operation(summary = "Sign out: revokes the session cookie's token and clears the cookie")
    public Uni<Void> signOut(@Context HttpServerRequest request, @Context HttpServerResponse response) {
        Cookie cookie = request.getCookie(SessionCookie.NAME);
        if (cookie == null) {
            throw ApiException.badRequest(
                    "no session cookie: sign out ends a dashboard session; POST /revoke ends a token");
        }
        return identities
                .getDeferredIdentity()
                .map(identity -> Caller.of(identity).userId())
                .chain(user -> tokens.revoke(user, TokenHashes.sha256(cookie.getValue())))
                .invoke(() -> response.addCookie(SessionCookie.cleared(request)))
                .replaceWithVoid();
    }
}
