package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.coordinator.client.RegistryClient;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The one access rule of the owner routes under {@code /api/v2/workspaceagents/{id}}, REST and WebSocket alike: the
 * caller is a user (its token came in {@code Authorization} or {@code Coder-Session-Token}, whichever), and the
 * registry, asked with that token, shows the caller the device, as it does to its owner and admins. Everyone else
 * gets the 404 an unknown device gets. The terminal and the listening ports need the agent connected too: 428
 * otherwise, as Coder answers.
 */
@ApplicationScoped
public class AgentOwners {

    /** How long a device may go without its first connection before its agent counts as timed out. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(120);

    static final String CONNECTED = "connected";

    private final RegistryClient registry;
    private final ObjectMapper json;

    public AgentOwners(RegistryClient registry, ObjectMapper json) {
        this.registry = registry;
        this.json = json;
    }

    /** The device behind agent {@code id}, as the registry shows it to the caller. */
    Uni<JsonNode> device(SecurityIdentity identity, String id) {
        String authorization = authorization(identity);
        return registry.deviceAsSeenBy(authorization, AgentIds.deviceUuid(id))
                .onFailure()
                .transform(failure -> refusal(id, failure))
                .map(this::read);
    }

    /** {@link #device}, refused with 428 unless its agent is connected. */
    Uni<JsonNode> connectedDevice(SecurityIdentity identity, String id) {
        return device(identity, id).invoke(device -> {
            String status = status(device);
            if (!CONNECTED.equals(status)) {
                throw notConnected(status);
            }
        });
    }

    /** The caller's token as the registry reads it, whichever header it came in. */
    String authorization(SecurityIdentity identity) {
        if (identity.isAnonymous()) {
            throw ApiException.unauthorized(ErrorMappers.WRONG_TOKEN);
        }
        // An agent (device credential or session token) is known but not allowed, as @RolesAllowed answers.
        if (!identity.hasRole(Caller.USER_SCOPE) || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            throw ApiException.forbidden("this token's scopes do not allow that");
        }
        return "Bearer " + token.getRawToken();
    }

    /** As Coder derives it: connecting until the first connection (or timeout), then connected or disconnected. */
    static String status(JsonNode device) {
        if (device.path("online").asBoolean(false)) {
            return CONNECTED;
        }
        if (!device.path("first_seen").isNull() && !device.path("first_seen").isMissingNode()) {
            return "disconnected";
        }
        return Instant.parse(device.path("created_at").asText())
                        .plus(CONNECTION_TIMEOUT)
                        .isBefore(Instant.now())
                ? "timeout"
                : "connecting";
    }

    /** Coder's answer to a request that needs the agent when it is not connected, word for word. */
    static ApiException notConnected(String status) {
        return new ApiException(
                428,
                "precondition_required",
                "Agent state is \"" + status + "\", it must be in the \"" + CONNECTED + "\" state.");
    }

    private static Throwable refusal(String id, Throwable failure) {
        if (failure instanceof ApiException) {
            return failure;
        }
        if (failure instanceof WebApplicationException answered) {
            int status = answered.getResponse().getStatus();
            if (status == 401) {
                return ApiException.unauthorized(ErrorMappers.WRONG_TOKEN);
            }
            if (status == 404 || status == 403) {
                return ApiException.notFound("no agent " + id);
            }
        }
        Log.warnf("Could not ask the registry about agent %s: %s", id, failure.getMessage());
        return ApiException.unavailable("the registry did not answer; try again");
    }

    private JsonNode read(String body) {
        try {
            return json.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException("the registry's answer is not JSON", e);
        }
    }
}
