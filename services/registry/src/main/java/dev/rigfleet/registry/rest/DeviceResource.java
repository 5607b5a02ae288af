package dev.rigfleet.registry.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.common.paging.SortOrder;
import dev.rigfleet.registry.client.AgentStats;
import dev.rigfleet.registry.model.EnvVar;
import dev.rigfleet.registry.model.Names;
import dev.rigfleet.registry.model.TargetState;
import dev.rigfleet.registry.model.Views.DeviceList;
import dev.rigfleet.registry.model.Views.DeviceView;
import dev.rigfleet.registry.model.Views.Environment;
import dev.rigfleet.registry.model.Views.History;
import dev.rigfleet.registry.model.Views.Transition;
import dev.rigfleet.registry.service.DeviceService;
import dev.rigfleet.registry.service.DeviceService.DeviceChange;
import dev.rigfleet.registry.service.DeviceService.DeviceFilter;
import dev.rigfleet.registry.service.DeviceService.DeviceOrder;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
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
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Devices, by their 32-hex uuid. */
@Path("/devices")
@RolesAllowed(Caller.USER_SCOPE)
public class DeviceResource {

    public record Change(
            @Pattern(regexp = Names.DEVICE, message = Names.DEVICE_RULE)
            String name,

            Long appId,
            Map<@Pattern(regexp = Names.TAG, message = Names.TAG_RULE) String, @Size(max = 256) String> tags) {}

    /** {@code releaseId} null lets the device follow its fleet's target release again. */
    public record Pin(Long releaseId) {}

    /** {@code GET /devices/:uuid/stats}: each sample is the agent's stats report, with its time as {@code at}. */
    public record StatsHistory(String uuid, List<JsonNode> stats) {}

    private final DeviceService devices;
    private final AgentStats agentStats;
    private final SecurityIdentity identity;

    public DeviceResource(DeviceService devices, AgentStats agentStats, SecurityIdentity identity) {
        this.devices = devices;
        this.agentStats = agentStats;
        this.identity = identity;
    }

    @GET
    public Uni<DeviceList> list(
            @QueryParam("appId") String appId,
            @QueryParam("q") String query,
            @QueryParam("tag") String tag,
            @QueryParam("sort_by") String sortBy,
            @QueryParam("max_per_page") String maxPerPage,
            @QueryParam("page") String page) {
        DeviceOrder order = SortOrder.parse(sortBy, DeviceOrder.INC_NAME);
        DeviceFilter filter = new DeviceFilter(fleetFilter(appId), query, tag);
        return devices.list(caller(), filter, order, PageRequest.of(maxPerPage, page))
                .map(served -> new DeviceList(served.items(), served.pageCount()));
    }

    @GET
    @Path("/{uuid}")
    public Uni<DeviceView> get(@PathParam("uuid") String uuid) {
        return devices.get(caller(), uuid);
    }

    @PATCH
    @Path("/{uuid}")
    public Uni<DeviceView> change(@PathParam("uuid") String uuid, @Valid @NotNull Change change) {
        return devices.change(caller(), uuid, new DeviceChange(change.name(), change.appId(), change.tags()));
    }

    @DELETE
    @Path("/{uuid}")
    public Uni<Response> delete(@PathParam("uuid") String uuid) {
        return devices.delete(caller(), uuid)
                .map(ignored -> Response.noContent().build());
    }

    @POST
    @Path("/{uuid}/deprovision")
    public Uni<DeviceView> deprovision(@PathParam("uuid") String uuid) {
        return devices.deprovision(caller(), uuid);
    }

    @PUT
    @Path("/{uuid}/pinned-release")
    public Uni<DeviceView> pin(@PathParam("uuid") String uuid, @NotNull Pin pin) {
        return devices.pin(caller(), uuid, pin.releaseId());
    }

    @GET
    @Path("/{uuid}/env")
    public Uni<Environment> environment(@PathParam("uuid") String uuid) {
        return devices.environment(caller(), uuid).map(Environment::new);
    }

    @PATCH
    @Path("/{uuid}/env")
    public Uni<Environment> patchEnvironment(
            @PathParam("uuid") String uuid,
            @NotNull @Size(max = EnvVar.MAX_CHANGES, message = EnvVar.TOO_MANY_CHANGES)
                    Map<@Pattern(regexp = Names.ENV, message = Names.ENV_RULE) String, @Size(max = 4096) String>
                            patch) {
        return devices.patchEnvironment(caller(), uuid, patch).map(Environment::new);
    }

    @GET
    @Path("/{uuid}/target-state")
    public Uni<TargetState> targetState(@PathParam("uuid") String uuid) {
        return devices.targetState(caller(), uuid);
    }

    @GET
    @Path("/{uuid}/stats")
    @Operation(summary = "The device's stats reports of the last 24 hours, one sample per 5 minutes, oldest first")
    public Uni<StatsHistory> stats(@PathParam("uuid") String uuid) {
        return devices.get(caller(), uuid)
                .chain(device ->
                        agentStats.history(device.uuid()).map(samples -> new StatsHistory(device.uuid(), samples)));
    }

    @GET
    @Path("/{uuid}/history")
    public Uni<History> history(
            @PathParam("uuid") String uuid,
            @QueryParam("max_per_page") String maxPerPage,
            @QueryParam("page") String page) {
        return devices.history(caller(), uuid, PageRequest.of(maxPerPage, page))
                .map(served -> new History(
                        served.items().stream()
                                .map(transition -> new Transition(transition.online, transition.at))
                                .toList(),
                        served.pageCount()));
    }

    private static Long fleetFilter(String appId) {
        if (appId == null || appId.isBlank()) {
            return null;
        }
        try {
            return Long.valueOf(appId.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("appId must be a fleet's numeric id");
        }
    }

    private Caller caller() {
        return Caller.of(identity);
    }
}
