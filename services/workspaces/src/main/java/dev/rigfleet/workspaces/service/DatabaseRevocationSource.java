package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.auth.RevocationList;
import dev.rigfleet.common.auth.RevocationSource;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/** The owner reads its own table instead of asking itself over HTTP. */
@ApplicationScoped
public class DatabaseRevocationSource implements RevocationSource {

    private final TokenService tokens;
    private final Vertx vertx;

    public DatabaseRevocationSource(TokenService tokens, Vertx vertx) {
        this.tokens = tokens;
        this.vertx = vertx;
    }

    @Override
    public Uni<RevocationList> load() {
        // Reloads start from startup and bus callbacks, outside any request; the reactive session needs a
        // duplicated Vert.x context of its own, as a request would have.
        return Uni.createFrom().emitter(emitter -> {
            Context context =
                    VertxContext.createNewDuplicatedContext(vertx.getDelegate().getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(ignored -> tokens.revocations().subscribe().with(emitter::complete, emitter::fail));
        });
    }
}
