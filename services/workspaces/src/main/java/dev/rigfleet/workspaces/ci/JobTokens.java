package dev.rigfleet.workspaces.ci;

import dev.rigfleet.workspaces.model.Scopes;
import dev.rigfleet.workspaces.repository.UserRepository;
import dev.rigfleet.workspaces.service.TokenService;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/**
 * Tokens with which jobs act as their owners towards the instances service: user scope only, lasting as long as
 * the job may, revoked at its end. Called from runner threads, so each call runs on a Vert.x context of its own.
 */
@ApplicationScoped
public class JobTokens {

    private final TokenService tokens;
    private final UserRepository users;

    public JobTokens(TokenService tokens, UserRepository users) {
        this.tokens = tokens;
        this.users = users;
    }

    JobToken mint(UUID ownerId, Duration lifetime) {
        long seconds = tokens.clampedLifetime(lifetime.toSeconds());
        try {
            return mint(ownerId, seconds);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("could not make a token for the job's owner: " + e.getMessage(), e);
        }
    }

    private JobToken mint(UUID ownerId, long seconds) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> users.findById(ownerId))
                .chain(owner -> {
                    if (owner == null) {
                        throw new IllegalStateException("the job's owner " + ownerId + " no longer exists");
                    }
                    return tokens.issue(owner, Set.of(Scopes.USER), Set.of(Scopes.USER), seconds);
                })
                .map(issued -> new JobToken(issued.token(), issued.sha256())));
    }

    void revoke(UUID ownerId, JobToken token) {
        try {
            VertxContextSupport.subscribeAndAwait(() -> tokens.revoke(ownerId, token.sha256()));
        } catch (Throwable e) {
            Log.warnf("Could not revoke a CI job's token %s (%s); it expires on its own", token.sha256(), e);
        }
    }
}
