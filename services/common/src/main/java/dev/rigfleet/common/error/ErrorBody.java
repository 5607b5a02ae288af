package dev.rigfleet.common.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The one JSON body of every 4xx and 5xx that rigfleet's services produce.
 *
 * <p>{@code error_message} is the key the spec's official client (rerobots) reads and shows; {@code error} is a
 * stable code for programs; {@code request_id} ties the answer to the server's log lines. {@code result_message}
 * appears only where the rerobots reference server puts its message there and the clients read it first (a busy
 * deployment on {@code POST /new}, a busy instance).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(
        @JsonProperty("error_message") String errorMessage,
        String error,
        int status,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("result_message") String resultMessage) {

    public ErrorBody(String errorMessage, String error, int status, String requestId) {
        this(errorMessage, error, status, requestId, null);
    }
}
