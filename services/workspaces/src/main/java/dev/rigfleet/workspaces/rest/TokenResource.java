package dev.rigfleet.workspaces.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.workspaces.model.IssuedToken;
import dev.rigfleet.workspaces.model.User;
import dev.rigfleet.workspaces.service.AccountService;
import dev.rigfleet.workspaces.service.TokenService;
import io.quarkus.security.Authenticated;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Tokens: issue ({@code POST /token}), revoke one ({@code POST /revoke/:sha256}), purge all ({@code POST /purge}). */
@Path("/")
public class TokenResource {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /**
     * A user and password pair, or nothing when the caller presents a token instead. The name may be given as {@code
     * user} or {@code username}, not as both.
     */
    public record Credentials(String user, String username, String password) {

        boolean given() {
            return user != null || username != null || password != null;
        }

        /** The user's name, or a failure when it is given twice. */
        String name() {
            if (user != null && username != null) {
                throw ApiException.badRequest("give the user name as user or as username, not both");
            }
            return user != null ? user : username;
        }
    }

    public record TokenRequest(
            String user,
            String username,
            String password,
            Set<@NotNull String> scopes,
            @JsonProperty("expires_in") @Positive Long expiresIn) {

        Credentials credentials() {
            return new Credentials(user, username, password);
        }
    }

    private final AccountService accounts;
    private final TokenService tokens;
    private final CurrentIdentityAssociation identities;

    public TokenResource(AccountService accounts, TokenService tokens, CurrentIdentityAssociation identities) {
        this.accounts = accounts;
        this.tokens = tokens;
        this.identities = identities;
    }

    @POST
    @Path("/token")
    public Uni<IssuedToken> issue(@Valid TokenRequest request) {
        TokenRequest asked = request == null ? new TokenRequest(null, null, null, null, null) : request;
        Credentials pair = asked.credentials();
        if (pair.given()) {
            return authenticate(pair)
                    .chain(user -> tokens.issue(user, user.grantableScopes(), asked.scopes(), asked.expiresIn()));
        }
        return presentedToken()
                .chain(jwt -> accounts.find(UUID.fromString(jwt.getSubject())).chain(user -> {
                    if (user == null) {
                        return Uni.createFrom().failure(ApiException.unauthorized(ErrorMappers.WRONG_TOKEN));
                    }
                    Set<String> allowed = new TreeSet<>(jwt.getGroups());
                    allowed.retainAll(user.grantableScopes());
                    return tokens.issue(user, allowed, asked.scopes(), asked.expiresIn());
                }));
    }

    @POST
    @Path("/revoke/{sha256}")
    @Authenticated
    public Uni<Map<String, Integer>> revoke(@PathParam("sha256") String sha256) {
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw ApiException.badRequest("expected the token's SHA-256 as 64 lower-case hex digits");
        }
        return presentedToken()
                .chain(jwt -> tokens.revoke(UUID.fromString(jwt.getSubject()), sha256))
                .map(count -> Map.of("revoked", count));
    }

    /** As the spec says: when both a user and password pair and a token are given, only the pair is checked. */
    @POST
    @Path("/purge")
    public Uni<Map<String, Integer>> purge(Credentials credentials) {
        Uni<UUID> user = credentials != null && credentials.given()
                ? authenticate(credentials).map(found -> found.id)
                : presentedToken().map(jwt -> UUID.fromString(jwt.getSubject()));
        return user.chain(tokens::purge).map(count -> Map.of("revoked", count));
    }

    private Uni<User> authenticate(Credentials pair) {
        String name = pair.name();
        if (name == null || pair.password() == null) {
            return Uni.createFrom()
                    .failure(ApiException.badRequest("give both user and password, or neither and a token"));
        }
        return accounts.authenticate(name, pair.password());
    }

    private Uni<JsonWebToken> presentedToken() {
        return identities.getDeferredIdentity().map(TokenResource::userToken);
    }

    private static JsonWebToken userToken(SecurityIdentity identity) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw new UnauthorizedException();
        }
        return jwt;
    }
}
