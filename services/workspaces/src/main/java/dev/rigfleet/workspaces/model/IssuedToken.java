package dev.rigfleet.workspaces.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;

/** A new token as its owner sees it, the only time the token's text is shown. */
public record IssuedToken(
        String token,
        String sha256,
        Set<String> scopes,
        @JsonProperty("expires_at") long expiresAt) {}
