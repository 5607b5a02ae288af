package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.coordinator.auth.CloudIdentities;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

/**
 * {@code POST /api/v2/workspaceagents/{aws,azure,google}-instance-identity}: an agent on a cloud instance proves
 * which instance it runs on, with the document its cloud signed, and gets a session token for the device enrolled
 * there, which it then presents like a device credential.
 */
@Path("/api/v2/workspaceagents")
@PermitAll
public class CloudIdentityResource {

    public record AwsIdentity(
            @NotBlank String document, @NotBlank String signature) {}

    public record AzureIdentity(String encoding, @NotBlank String signature) {}

    public record GoogleIdentity(
            @JsonProperty("json_web_token") @NotBlank String jsonWebToken) {}

    public record SessionToken(
            @JsonProperty("session_token") String sessionToken) {}

    private final CloudIdentities identities;

    public CloudIdentityResource(CloudIdentities identities) {
        this.identities = identities;
    }

    @POST
    @Path("/aws-instance-identity")
    public Uni<SessionToken> aws(@Valid @NotNull AwsIdentity identity) {
        return identities.aws(identity.document(), identity.signature()).map(SessionToken::new);
    }

    @POST
    @Path("/azure-instance-identity")
    public Uni<SessionToken> azure(@Valid @NotNull AzureIdentity identity) {
        return identities.azure(identity.signature()).map(SessionToken::new);
    }

    @POST
    @Path("/google-instance-identity")
    public Uni<SessionToken> google(@Valid @NotNull GoogleIdentity identity) {
        return identities.google(identity.jsonWebToken()).map(SessionToken::new);
    }
}
