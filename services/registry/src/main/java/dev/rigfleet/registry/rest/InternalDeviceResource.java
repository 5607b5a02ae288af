package dev.rigfleet.registry.rest;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.registry.model.TargetState;
import dev.rigfleet.registry.model.Views.Identity;
import dev.rigfleet.registry.service.DeviceService;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Map;

/**
 * For the device link (the coordinator), not for users: which device a credential belongs to, and what the device
 * link observed of a device.
 */
@Path("/internal/devices")
@InternalApi(callers = "coordinator")
public class InternalDeviceResource {

    /** {@code at} defaults to now. */
    public record TransitionReport(@NotNull Boolean online, Instant at) {}

    private final DeviceService devices;

    public InternalDeviceResource(DeviceService devices) {
        this.devices = devices;
    }

    /** The coordinator hashes the presented credential and asks with the hash; the credential itself never travels. */
    @GET
    @Path("/by-credential/{sha256}")
    public Uni<Identity> identify(@PathParam("sha256") String credentialSha256) {
        return devices.identify(credentialSha256);
    }

    /** For the cloud identity routes: the device on a verified cloud instance. */
    @GET
    @Path("/by-cloud-identity/{provider}/{instanceId}")
    public Uni<Identity> identifyInstance(
            @PathParam("provider") String provider, @PathParam("instanceId") String instanceId) {
        return devices.identifyInstance(provider, instanceId);
    }

    /** What the device link pushes to the agent when it connects. */
    @GET
    @Path("/{uuid}/target-state")
    public Uni<TargetState> targetState(@PathParam("uuid") String uuid) {
        return devices.targetState(uuid);
    }

    @POST
    @Path("/{uuid}/transitions")
    public Uni<Response> transition(@PathParam("uuid") String uuid, @Valid @NotNull TransitionReport report) {
        Instant at = report.at() == null ? Instant.now() : report.at();
        return devices.recordTransition(uuid, report.online(), at)
                .map(ignored -> Response.noContent().build());
    }

    @PUT
    @Path("/{uuid}/reported-state")
    public Uni<Response> reportedState(@PathParam("uuid") String uuid, @NotNull Map<String, Object> state) {
        return devices.recordReportedState(uuid, state)
                .map(ignored -> Response.noContent().build());
    }
}
