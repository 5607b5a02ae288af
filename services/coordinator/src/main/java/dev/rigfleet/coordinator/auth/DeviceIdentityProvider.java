package dev.rigfleet.coordinator.auth;

import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

/** Turns a device credential the registry knows into the identity of role {@value #DEVICE_ROLE}. */
@ApplicationScoped
public class DeviceIdentityProvider implements IdentityProvider<DeviceCredentialRequest> {

    public static final String DEVICE_ROLE = "device";
    /** The {@link DeviceIdentity} of an authenticated agent. */
    public static final String DEVICE_ATTRIBUTE = "rigfleet.device";

    private final DeviceCredentials credentials;

    public DeviceIdentityProvider(DeviceCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Class<DeviceCredentialRequest> getRequestType() {
        return DeviceCredentialRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(DeviceCredentialRequest request, AuthenticationRequestContext context) {
        return credentials
                .identify(request.credential())
                // The registry says it does not know the credential; any other failure is not the agent's fault.
                .onFailure(e -> e instanceof WebApplicationException refused
                        && refused.getResponse().getStatus() == 404)
                .transform(e -> new AuthenticationFailedException("unknown device credential"))
                .map(device -> QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(device.uuid()))
                        .addRole(DEVICE_ROLE)
                        .addAttribute(DEVICE_ATTRIBUTE, device)
                        .build());
    }
}
