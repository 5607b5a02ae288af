package dev.rigfleet.workspaces.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * The options of a {@code POST /new}, kept with the holding or reservation it made for the instance that will be
 * made from it. Field names as the spec's {@code POST /new} payload.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReservationOptions(
        @Size(max = 16384) String sshkey,
        Boolean vpn,
        @JsonProperty("expire_d") @Positive Long expireD,
        Boolean keepalive,
        @Size(max = 2000) String eurl) {

    public static final ReservationOptions NONE = new ReservationOptions(null, null, null, null, null);

    public boolean hasEurl() {
        return eurl != null && !eurl.isBlank();
    }
}
