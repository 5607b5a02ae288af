package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.auth.RevocationList;
import dev.rigfleet.common.auth.RevokedTokens;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.config.WorkspacesConfig;
import dev.rigfleet.workspaces.model.ApiToken;
import dev.rigfleet.workspaces.model.IssuedToken;
import dev.rigfleet.workspaces.model.Scopes;
import dev.rigfleet.workspaces.model.User;
import dev.rigfleet.workspaces.repository.ApiTokenRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Issues, revokes and purges API tokens. A revocation is stored first and announced on the bus second: the table is
 * the durable list, and a service that misses the announcement reloads the table after its bus reconnects.
 */
@ApplicationScoped
public class TokenService {

    public static final String AUDIENCE = "user";

    private final ApiTokenRepository tokens;
    private final RevokedTokens revokedTokens;
    private final WorkspacesConfig config;
    private final String issuer;

    public TokenService(
            ApiTokenRepository tokens,
            RevokedTokens revokedTokens,
            WorkspacesConfig config,
            @ConfigProperty(name = "mp.jwt.verify.issuer") String issuer) {
        this.tokens = tokens;
        this.revokedTokens = revokedTokens;
        this.config = config;
        this.issuer = issuer;
    }

    /**
     * A new token for the user, with the requested scopes (all that {@code allowed} holds when none are requested).
     *
     * @param allowed what the caller may hand out: the user's scopes, or those of the token presented
     */
    public Uni<IssuedToken> issue(User user, Set<String> allowed, Set<String> requested, Long expiresInSeconds) {
        Set<String> scopes =
                requested == null || requested.isEmpty() ? new TreeSet<>(allowed) : new TreeSet<>(requested);
        for (String scope : scopes) {
            if (!Scopes.KNOWN.contains(scope)) {
                return Uni.createFrom()
                        .failure(ApiException.badRequest(
                                "unknown scope '" + scope + "'; known: " + new TreeSet<>(Scopes.KNOWN)));
            }
            if (!allowed.contains(scope)) {
                return Uni.createFrom().failure(ApiException.forbidden("scope '" + scope + "' cannot be granted here"));
            }
        }
        Duration ttl = expiresInSeconds == null ? config.tokenTtl() : Duration.ofSeconds(expiresInSeconds);
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(config.maxTokenTtl()) > 0) {
            return Uni.createFrom()
                    .failure(ApiException.badRequest("expires_in must be between 1 and "
                            + config.maxTokenTtl().toSeconds() + " seconds"));
        }
        Instant issuedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant expiresAt = issuedAt.plus(ttl);
        String token = Jwt.issuer(issuer)
                .subject(user.id.toString())
                .preferredUserName(user.username)
                .audience(AUDIENCE)
                .groups(scopes)
                .claim("jti", UUID.randomUUID().toString())
                .issuedAt(issuedAt)
                .expiresAt(expiresAt)
                .sign();
        ApiToken record = new ApiToken();
        record.sha256 = TokenHashes.sha256(token);
        record.userId = user.id;
        record.scopes = Scopes.join(scopes);
        record.issuedAt = issuedAt;
        record.expiresAt = expiresAt;
        return Panache.withTransaction(() -> tokens.persist(record))
                .map(stored -> new IssuedToken(token, stored.sha256, scopes, expiresAt.getEpochSecond()));
    }

    /** A lifetime, in seconds, that {@link #issue} accepts: at least a second, at most the configured maximum. */
    public long clampedLifetime(long seconds) {
        return Math.max(1, Math.min(seconds, config.maxTokenTtl().toSeconds()));
    }

    /** Revokes one of the user's tokens; another user's token is as unknown as one never issued. */
    public Uni<Integer> revoke(UUID userId, String sha256) {
        return Panache.withTransaction(() -> tokens.findById(sha256).map(token -> {
                    if (token == null || !token.userId.equals(userId)) {
                        throw ApiException.notFound("no token of yours has that SHA-256");
                    }
                    if (token.revokedAt != null) {
                        return List.<ApiToken>of();
                    }
                    token.revokedAt = Instant.now();
                    return List.of(token);
                }))
                .call(this::announce)
                .map(List::size);
    }

    /** Revokes every unexpired token of the user. */
    public Uni<Integer> purge(UUID userId) {
        return Panache.withTransaction(() -> tokens.liveTokensOf(userId, Instant.now())
                        .invoke(live -> live.forEach(token -> token.revokedAt = Instant.now())))
                .call(this::announce)
                .map(List::size);
    }

    public Uni<RevocationList> revocations() {
        return Panache.withSession(() -> tokens.revokedUnexpired(Instant.now()))
                .map(revoked -> new RevocationList(
                        revoked.stream().map(TokenService::entry).toList()));
    }

    private Uni<Void> announce(List<ApiToken> revoked) {
        if (revoked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // Stored already: if the bus is down, the others catch up when they reload after reconnecting.
        return revokedTokens
                .announce(revoked.stream().map(TokenService::entry).toList())
                .onFailure()
                .invoke(e -> Log.warnf(
                        "Revoked %d token(s) but could not announce it (%s); other services pick it up on reconnect",
                        revoked.size(), e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    private static RevocationList.Entry entry(ApiToken token) {
        return new RevocationList.Entry(token.sha256, token.expiresAt.getEpochSecond());
    }
}
