package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.common.auth.RevocationList;
import dev.rigfleet.workspaces.service.TokenService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * The durable revocation list for the other services, loaded at their start and after every bus reconnect. It
 * lists only hashes of tokens that no longer work; only the services that mirror it may read it.
 */
@Path("/internal/revocations")
@InternalApi(callers = {"registry", "instances", "coordinator"})
public class RevocationResource {

    private final TokenService tokens;

    public RevocationResource(TokenService tokens) {
        this.tokens = tokens;
    }

    @GET
    public Uni<RevocationList> list() {
        return tokens.revocations();
    }
}
