package dev.rigfleet.registry.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.common.paging.SortOrder;
import dev.rigfleet.registry.model.EnvVar;
import dev.rigfleet.registry.model.Names;
import dev.rigfleet.registry.model.ServiceSpec;
import dev.rigfleet.registry.model.Views.Environment;
import dev.rigfleet.registry.model.Views.FleetList;
import dev.rigfleet.registry.model.Views.FleetView;
import dev.rigfleet.registry.model.Views.KeyList;
import dev.rigfleet.registry.model.Views.KeyView;
import dev.rigfleet.registry.model.Views.NewKey;
import dev.rigfleet.registry.model.Views.ReleaseList;
import dev.rigfleet.registry.model.Views.ReleaseView;
import dev.rigfleet.registry.service.FleetService;
import dev.rigfleet.registry.service.FleetService.FleetOrder;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/** Fleets (the supervisor APIs' apps), their releases, target release, environment and provisioning keys. */
@Path("/fleets")
@RolesAllowed(Caller.USER_SCOPE)
public class FleetResource {

    public record NewFleet(
            @NotNull @Pattern(regexp = Names.FLEET, message = Names.FLEET_RULE)
            String name) {}

    public record NewRelease(
            @NotNull @Pattern(regexp = Names.COMMIT, message = "must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-'")
            String commit,

            @NotNull @Size(min = 1, max = 32) List<@NotNull @Valid ServiceSpec> services) {}

    public record TargetRelease(@NotNull Long releaseId) {}

    public record NewKeyRequest(
            @Size(max = 256) String description,
            @JsonProperty("expires_in") @Positive Long expiresIn,
            @JsonProperty("max_uses") @Min(1) @Max(100_000) Integer maxUses) {}

    private final FleetService fleets;
    private final SecurityIdentity identity;

    public FleetResource(FleetService fleets, SecurityIdentity identity) {
        this.fleets = fleets;
        this.identity = identity;
    }

    @POST
    public Uni<Response> create(@Valid @NotNull NewFleet fleet) {
        return fleets.create(caller(), fleet.name())
                .map(created -> Response.status(Response.Status.CREATED)
                        .entity(FleetView.of(created))
                        .build());
    }

    @GET
    public Uni<FleetList> list(
            @QueryParam("q") String query,
            @QueryParam("sort_by") String sortBy,
            @QueryParam("max_per_page") String maxPerPage,
            @QueryParam("page") String page) {
        FleetOrder order = SortOrder.parse(sortBy, FleetOrder.INC_NAME);
        return fleets.list(caller(), query, order, PageRequest.of(maxPerPage, page))
                .map(served ->
                        new FleetList(served.items().stream().map(FleetView::of).toList(), served.pageCount()));
    }

    @GET
    @Path("/{appId}")
    public Uni<FleetView> get(@PathParam("appId") long appId) {
        return fleets.get(caller(), appId).map(FleetView::of);
    }

    @PATCH
    @Path("/{appId}")
    public Uni<FleetView> rename(@PathParam("appId") long appId, @Valid @NotNull NewFleet change) {
        return fleets.rename(caller(), appId, change.name()).map(FleetView::of);
    }

    @DELETE
    @Path("/{appId}")
    public Uni<Response> delete(@PathParam("appId") long appId) {
        return fleets.delete(caller(), appId)
                .map(ignored -> Response.noContent().build());
    }

    @POST
    @Path("/{appId}/releases")
    public Uni<Response> createRelease(@PathParam("appId") long appId, @Valid @NotNull NewRelease release) {
        return fleets.createRelease(caller(), appId, release.commit(), release.services())
                .map(created -> Response.status(Response.Status.CREATED)
                        .entity(ReleaseView.of(created))
                        .build());
    }

    @GET
    @Path("/{appId}/releases")
    public Uni<ReleaseList> releases(@PathParam("appId") long appId) {
        return fleets.releases(caller(), appId)
                .map(releases ->
                        new ReleaseList(releases.stream().map(ReleaseView::of).toList()));
    }

    @GET
    @Path("/{appId}/releases/{releaseId}")
    public Uni<ReleaseView> release(@PathParam("appId") long appId, @PathParam("releaseId") long releaseId) {
        return fleets.release(caller(), appId, releaseId).map(ReleaseView::of);
    }

    @PUT
    @Path("/{appId}/target-release")
    public Uni<FleetView> setTargetRelease(@PathParam("appId") long appId, @Valid @NotNull TargetRelease target) {
        return fleets.setTargetRelease(caller(), appId, target.releaseId()).map(FleetView::of);
    }

    @GET
    @Path("/{appId}/env")
    public Uni<Environment> environment(@PathParam("appId") long appId) {
        return fleets.environment(caller(), appId).map(Environment::new);
    }

    @PATCH
    @Path("/{appId}/env")
    public Uni<Environment> patchEnvironment(
            @PathParam("appId") long appId,
            @NotNull @Size(max = EnvVar.MAX_CHANGES, message = EnvVar.TOO_MANY_CHANGES)
                    Map<@Pattern(regexp = Names.ENV, message = Names.ENV_RULE) String, @Size(max = 4096) String>
                            patch) {
        return fleets.patchEnvironment(caller(), appId, patch).map(Environment::new);
    }

    @POST
    @Path("/{appId}/provisioning-keys")
    public Uni<Response> createKey(@PathParam("appId") long appId, @Valid NewKeyRequest request) {
        NewKeyRequest asked = request == null ? new NewKeyRequest(null, null, null) : request;
        return fleets.createKey(caller(), appId, asked.description(), asked.expiresIn(), asked.maxUses())
                .map(created -> Response.status(Response.Status.CREATED)
                        .entity(new NewKey(created.text(), KeyView.of(created.key())))
                        .build());
    }

    @GET
    @Path("/{appId}/provisioning-keys")
    public Uni<KeyList> keys(@PathParam("appId") long appId) {
        return fleets.keys(caller(), appId)
                .map(keys -> new KeyList(keys.stream().map(KeyView::of).toList()));
    }

    @DELETE
    @Path("/{appId}/provisioning-keys/{keyId}")
    public Uni<KeyView> revokeKey(@PathParam("appId") long appId, @PathParam("keyId") long keyId) {
        return fleets.revokeKey(caller(), appId, keyId).map(KeyView::of);
    }

    private Caller caller() {
        return Caller.of(identity);
    }
}
