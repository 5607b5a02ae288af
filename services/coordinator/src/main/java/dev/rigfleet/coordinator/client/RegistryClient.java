package dev.rigfleet.coordinator.client;

import dev.rigfleet.common.auth.ServiceTokens;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The registry's routes for the device link (its {@code /internal/devices} and {@code /internal/owners}, called with
 * this service's token) and the user routes asked with the caller's token; REST client {@code registry}.
 */
@ApplicationScoped
public class RegistryClient {

    /** Who a device credential belongs to. */
    public record DeviceIdentity(String uuid, long deviceId, long appId, UUID owner) {}

    public record Transition(boolean online, Instant at) {}

    private final Api api;
    private final UserApi userApi;
    private final OwnerApi ownerApi;
    private final ServiceTokens serviceTokens;

    public RegistryClient(
            @RestClient Api api,
            @RestClient UserApi userApi,
            @RestClient OwnerApi ownerApi,
            ServiceTokens serviceTokens) {
        this.api = api;
        this.userApi = userApi;
        this.ownerApi = ownerApi;
        this.serviceTokens = serviceTokens;
    }

    /**
     * The device as its owner sees it ({@code GET /devices/{uuid}}), asked with the caller's own token so that the
     * registry's ownership rule decides: another owner's device is a 404 here too.
     */
    public Uni<String> deviceAsSeenBy(String authorization, String uuid) {
        return userApi.device(authorization, uuid);
    }

    /** The device's target state as its owner sees it. */
    public Uni<String> targetStateAsSeenBy(String authorization, String uuid) {
        return userApi.targetState(authorization, uuid);
    }

    public Uni<DeviceIdentity> identify(String credentialSha256) {
        return api.identify(serviceTokens.authorization(), credentialSha256);
    }

    /** The enrolled, provisioned device on this cloud instance; 404 when there is none. */
    public Uni<DeviceIdentity> identifyInstance(String provider, String instanceId) {
        return api.identifyInstance(serviceTokens.authorization(), provider, instanceId);
    }

    /** The device owner's git SSH key pair ({@code public_key}, {@code private_key}), as the registry's JSON. */
    public Uni<String> gitSshKey(UUID owner) {
        return ownerApi.gitSshKey(serviceTokens.authorization(), owner);
    }

    /** The device's target state, as the registry's JSON. */
    public Uni<String> targetState(String uuid) {
        return api.targetState(serviceTokens.authorization(), uuid);
    }

    public Uni<Void> transition(String uuid, boolean online, Instant at) {
        return api.transition(serviceTokens.authorization(), uuid, new Transition(online, at));
    }

    public Uni<Void> reportedState(String uuid, String json) {
        return api.reportedState(serviceTokens.authorization(), uuid, json);
    }

    @RegisterRestClient(configKey = "registry")
    @Path("/internal/owners")
    interface OwnerApi {

        @GET
        @Path("/{owner}/git-ssh-key")
        @Produces(MediaType.APPLICATION_JSON)
        Uni<String> gitSshKey(@HeaderParam(HttpHeaders.AUTHORIZATION) String service, @PathParam("owner") UUID owner);
    }

    @RegisterRestClient(configKey = "registry")
    @Path("/devices")
    interface UserApi {

        @GET
        @Path("/{uuid}")
        @Produces(MediaType.APPLICATION_JSON)
        Uni<String> device(@HeaderParam("Authorization") String authorization, @PathParam("uuid") String uuid);

        @GET
        @Path("/{uuid}/target-state")
        @Produces(MediaType.APPLICATION_JSON)
        Uni<String> targetState(@HeaderParam("Authorization") String authorization, @PathParam("uuid") String uuid);
    }

    @RegisterRestClient(configKey = "registry")
    @Path("/internal/devices")
    interface Api {

        @GET
        @Path("/by-credential/{sha256}")
        Uni<DeviceIdentity> identify(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String service, @PathParam("sha256") String credentialSha256);

        @GET
        @Path("/by-cloud-identity/{provider}/{instanceId}")
        Uni<DeviceIdentity> identifyInstance(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String service,
                @PathParam("provider") String provider,
                @PathParam("instanceId") String instanceId);

        @GET
        @Path("/{uuid}/target-state")
        @Produces(MediaType.APPLICATION_JSON)
        Uni<String> targetState(@HeaderParam(HttpHeaders.AUTHORIZATION) String service, @PathParam("uuid") String uuid);

        @POST
        @Path("/{uuid}/transitions")
        Uni<Void> transition(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String service,
                @PathParam("uuid") String uuid,
                Transition transition);

        @PUT
        @Path("/{uuid}/reported-state")
        @Consumes(MediaType.APPLICATION_JSON)
        Uni<Void> reportedState(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String service, @PathParam("uuid") String uuid, String json);
    }
}
