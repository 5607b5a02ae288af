package dev.rigfleet.registry.rest;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.registry.service.GitSshKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.UUID;

/**
 * For the services, not for users: what device owners have. The coordinator hands the git SSH key to agents; the
 * workspaces service reads and clones CI jobs' ssh:// repositories with it.
 */
@Path("/internal/owners/{owner}")
@InternalApi(callers = {"coordinator", "workspaces"})
public class InternalOwnerResource {

    private final GitSshKeys gitSshKeys;

    public InternalOwnerResource(GitSshKeys gitSshKeys) {
        this.gitSshKeys = gitSshKeys;
    }

    /** The owner's git SSH key pair, made on first use; what an agent gets from {@code /me/gitsshkey}
     * and what CI jobs of the owner's sign in to their repositories with. */
    @GET
    @Path("/git-ssh-key")
    public Uni<GitSshKeys.Pair> gitSshKey(@PathParam("owner") UUID owner) {
        return gitSshKeys.of(owner);
    }
}
