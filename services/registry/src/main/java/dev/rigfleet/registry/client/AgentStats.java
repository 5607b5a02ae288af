package dev.rigfleet.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rigfleet.common.auth.ServiceTokens;
import dev.rigfleet.common.error.ApiException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The stats agents report, which the coordinator keeps ({@code GET /internal/agents/{uuid}/stats}); asked only
 * after the registry has decided that the caller may see the device.
 */
@ApplicationScoped
public class AgentStats {

    @RegisterRestClient(configKey = "coordinator")
    @Path("/internal/agents/{uuid}/stats")
    public interface Api {
        @GET
        Uni<Map<String, List<JsonNode>>> history(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("uuid") String uuid);
    }

    private final Api api;
    private final ServiceTokens serviceTokens;

    public AgentStats(@RestClient Api api, ServiceTokens serviceTokens) {
        this.api = api;
        this.serviceTokens = serviceTokens;
    }

    /** The device's samples of the last 24 hours, oldest first; 503 when the coordinator cannot be asked. */
    public Uni<List<JsonNode>> history(String uuid) {
        return api.history(serviceTokens.authorization(), uuid)
                .map(answer -> answer.getOrDefault("stats", List.of()))
                .onFailure()
                .transform(e -> {
                    Log.warnf("Device %s: the coordinator did not answer its stats history: %s", uuid, e.getMessage());
                    return ApiException.unavailable("the device's stats cannot be read now; try again later");
                });
    }
}
