package dev.rigfleet.coordinator.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A JWT presented in {@code Coder-Session-Token}, as Coder's clients and agents present their tokens. */
public class SessionTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    public SessionTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
