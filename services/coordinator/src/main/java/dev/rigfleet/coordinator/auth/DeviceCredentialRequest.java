package dev.rigfleet.coordinator.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A device credential presented by an agent. */
public class DeviceCredentialRequest extends BaseAuthenticationRequest {

    private final String credential;

    public DeviceCredentialRequest(String credential) {
        this.credential = credential;
    }

    public String credential() {
        return credential;
    }
}
