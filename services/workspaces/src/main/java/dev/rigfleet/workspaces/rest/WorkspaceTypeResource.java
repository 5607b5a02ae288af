package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.workspaces.repository.WorkspaceTypeRepository;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Workspace types: anyone lists them ({@code GET /workspaces}); admins add and remove them. */
@Path("/workspaces")
@RerobotsRoutes
public class WorkspaceTypeResource {

    public static final String TYPE_NAME = "[A-Za-z0-9_]+";

    public record NewType(
            @NotNull @Size(max = 64) @Pattern(regexp = TYPE_NAME, message = "must match " + TYPE_NAME)
            String name,

            @Size(max = 1000) String desc) {}

    private final WorkspaceTypeRepository types;
    private final Requesters requesters;

    public WorkspaceTypeResource(WorkspaceTypeRepository types, Requesters requesters) {
        this.types = types;
        this.requesters = requesters;
    }

    @GET
    public Uni<Map<String, List<String>>> list() {
        return requesters.maybe().chain(types::names).map(names -> Map.of("workspace_types", names));
    }

    @POST
    @RolesAllowed(Caller.ADMIN_SCOPE)
    public Uni<Map<String, String>> create(@Valid @NotNull NewType type) {
        return types.create(type.name(), type.desc() == null ? "" : type.desc(), Instant.now())
                .map(created -> {
                    if (!created) {
                        throw ApiException.conflict("workspace type " + type.name() + " exists already");
                    }
                    return Map.of("name", type.name());
                });
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Caller.ADMIN_SCOPE)
    public Uni<Map<String, Object>> delete(@PathParam("name") String name) {
        return types.delete(name)
                .onFailure(e -> e.getMessage() != null && e.getMessage().contains("foreign key"))
                .transform(e -> ApiException.conflict("workspace type " + name
                        + " is the type of deployments (retired ones keep it for their history)"))
                .map(deleted -> {
                    if (!deleted) {
                        throw ApiException.notFound("no workspace type " + name);
                    }
                    return Map.of("name", name, "deleted", true);
                });
    }
}
