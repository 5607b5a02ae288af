package dev.rigfleet.common.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The owner's durable list of revoked tokens that have not yet expired, as served to the other services. */
public record RevocationList(List<Entry> revoked) {

    /** @param expiresAt epoch seconds after which the token is refused anyway, revoked or not */
    public record Entry(
            String sha256, @JsonProperty("expires_at") long expiresAt) {}
}
