package dev.rigfleet.workspaces.repository;

import dev.rigfleet.workspaces.model.ApiToken;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ApiTokenRepository implements PanacheRepositoryBase<ApiToken, String> {

    public Uni<List<ApiToken>> liveTokensOf(UUID userId, Instant now) {
        return list("userId = ?1 and revokedAt is null and expiresAt > ?2", userId, now);
    }

    public Uni<List<ApiToken>> revokedUnexpired(Instant now) {
        return list("revokedAt is not null and expiresAt > ?1", now);
    }
}
