package dev.rigfleet.workspaces.rest;

import dev.rigfleet.workspaces.model.Scopes;
import dev.rigfleet.workspaces.service.AccountService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** Accounts, created by an admin. */
@Path("/users")
public class UserResource {

    public record NewUser(
            @NotNull @Pattern(regexp = "[a-z0-9][a-z0-9._-]{1,63}", message = "must be 2-64 of a-z, 0-9, '.', '_', '-'")
            String username,

            @NotNull @Size(min = 8, max = 72) String password,
            boolean admin) {}

    public record CreatedUser(UUID id, String username, boolean admin) {}

    private final AccountService accounts;

    public UserResource(AccountService accounts) {
        this.accounts = accounts;
    }

    @POST
    @RolesAllowed(Scopes.ADMIN)
    public Uni<Response> create(@Valid @NotNull NewUser user) {
        return accounts.create(user.username(), user.password(), user.admin())
                .map(created -> Response.status(Response.Status.CREATED)
                        .entity(new CreatedUser(created.id, created.username, created.admin))
                        .build());
    }
}
