package dev.rigfleet.workspaces.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.rigfleet.common.error.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The registry's devices as the asking user sees them ({@code GET /devices/{uuid}} with the user's own token), so
 * that the registry's ownership rule decides whose a device is: another owner's device is unknown here too. REST
 * client {@code registry}.
 */
@ApplicationScoped
public class RegistryDevices {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Device(String uuid, UUID owner) {}

    @RegisterRestClient(configKey = "registry")
    @Path("/devices")
    @Produces(MediaType.APPLICATION_JSON)
    public interface Api {

        @GET
        @Path("/{uuid}")
        Uni<Device> device(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("uuid") String uuid);
    }

    private final Api api;

    public RegistryDevices(@RestClient Api api) {
        this.api = api;
    }

    /** The device, if the token's user may see it; a 400 naming it otherwise, a 503 when the registry is away. */
    public Uni<Device> visibleTo(String authorization, String uuid) {
        return api.device(authorization, uuid).onFailure().transform(e -> {
            if (e instanceof WebApplicationException answered
                    && answered.getResponse().getStatus() == 404) {
                return ApiException.badRequest("no device " + uuid + " of yours is enrolled");
            }
            return ApiException.unavailable("the device registry cannot be asked right now; try again");
        });
    }
}
