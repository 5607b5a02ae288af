package dev.rigfleet.registry.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.registry.model.Names;
import dev.rigfleet.registry.model.Views.CloudIdentity;
import dev.rigfleet.registry.service.ProvisioningService;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** Where a device enrols with a provisioning key; no user token, the key is the credential. */
@Path("/provision")
public class ProvisioningResource {

    public record CloudIdentityRequest(
            @NotNull @Pattern(regexp = "aws|azure|google", message = "must be aws, azure or google")
            String provider,

            @JsonProperty("instance_id") @NotBlank @Size(max = 128)
            String instanceId) {}

    public record Request(
            @JsonProperty("provisioning_key")
            @NotNull
            @Pattern(regexp = "[0-9a-f]{64}", message = "is not a provisioning key")
            String provisioningKey,

            @Pattern(regexp = Names.DEVICE, message = Names.DEVICE_RULE)
            String name,

            @JsonProperty("cloud_identity") @Valid CloudIdentityRequest cloudIdentity) {}

    private final ProvisioningService provisioning;

    public ProvisioningResource(ProvisioningService provisioning) {
        this.provisioning = provisioning;
    }

    @POST
    public Uni<Response> provision(@Valid @NotNull Request request) {
        CloudIdentity cloud = request.cloudIdentity() == null
                ? null
                : new CloudIdentity(
                        request.cloudIdentity().provider(),
                        request.cloudIdentity().instanceId());
        return provisioning
                .provision(request.provisioningKey(), request.name(), cloud)
                .map(enrolment -> Response.status(Response.Status.CREATED)
                        .entity(enrolment)
                        .build());
    }
}
