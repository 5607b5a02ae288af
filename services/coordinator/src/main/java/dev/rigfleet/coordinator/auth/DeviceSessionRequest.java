package dev.rigfleet.coordinator.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A device session token presented in {@code Coder-Session-Token}, as Coder's agents present theirs. */
public class DeviceSessionRequest extends BaseAuthenticationRequest {

    private final String token;

    public DeviceSessionRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
