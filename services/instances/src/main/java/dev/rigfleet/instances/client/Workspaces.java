package dev.rigfleet.instances.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.rigfleet.common.auth.ServiceTokens;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.instances.model.Instance;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The workspaces service: allocation and the holding's lease (its {@code /internal} routes, with this service's
 * token), and a deployment's public facts. REST client {@code workspaces}.
 */
@ApplicationScoped
public class Workspaces {

    /** A refusal of the workspaces service, to be relayed to the user as it came: status and JSON body. */
    public static final class Refused extends RuntimeException {

        private final int status;
        private final JsonObject body;

        Refused(int status, JsonObject body) {
            super(body.getString("error_message"), null, false, false);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonObject body() {
            return body;
        }
    }

    /** A deployment's public facts, and its {@code owner} when asked by its owner (null otherwise). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Deployment(String id, String type, String region, String owner) {}

    @RegisterRestClient(configKey = "workspaces")
    @Produces(MediaType.APPLICATION_JSON)
    @Consumes(MediaType.APPLICATION_JSON)
    public interface Api {

        @POST
        @Path("/internal/allocations")
        Uni<Map<String, Object>> allocate(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, Map<String, Object> request);

        @POST
        @Path("/internal/notifications")
        Uni<Map<String, Object>> oweCallback(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, Map<String, Object> notification);

        @GET
        @Path("/internal/holdings/{id}")
        Uni<Map<String, Object>> holding(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") UUID id);

        @POST
        @Path("/internal/holdings/{id}/renew")
        Uni<Map<String, Object>> renew(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") UUID id);

        @POST
        @Path("/internal/holdings/{id}/release")
        Uni<Map<String, Object>> release(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                @PathParam("id") UUID id,
                Map<String, Object> release);

        @GET
        @Path("/deployment/{id}")
        Uni<Deployment> deployment(@PathParam("id") UUID id);

        @GET
        @Path("/deployment/{id}")
        Uni<Deployment> deploymentAsSeenBy(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") UUID id);
    }

    private final Api api;
    private final ServiceTokens serviceTokens;

    public Workspaces(@RestClient Api api, ServiceTokens serviceTokens) {
        this.api = api;
        this.serviceTokens = serviceTokens;
    }

    /** The allocation's answer; a refusal fails as {@link Refused}, an unreachable service as a 503. */
    public Uni<Map<String, Object>> allocate(Map<String, Object> request) {
        return api.allocate(serviceTokens.authorization(), request).onFailure().transform(Workspaces::relayable);
    }

    /** False once the holding has ended (the workspaces service answers 404). */
    public Uni<Boolean> renew(UUID holding) {
        return api.renew(serviceTokens.authorization(), holding)
                .replaceWith(true)
                .onFailure(e -> status(e) == 404)
                .recoverWithItem(false);
    }

    /** Has the workspaces service call the instance's eurl with its status (docs/api.md, "Callbacks (eurl)"). */
    public Uni<Void> oweCallback(Instance instance) {
        return api.oweCallback(
                        serviceTokens.authorization(),
                        Map.of(
                                "user", instance.userId().toString(),
                                "eurl", instance.eurl(),
                                "status",
                                        Map.of(
                                                "id", instance.id().toString(),
                                                "wd", instance.deploymentId().toString(),
                                                "val", instance.status().name(),
                                                "user", instance.username())))
                .replaceWithVoid();
    }

    /** The host device of the holding's deployment: where its instance is made. */
    public Uni<String> hostOf(UUID holding) {
        return api.holding(serviceTokens.authorization(), holding)
                .map(held -> (String) held.get("host"))
                .onFailure()
                .transform(e -> new IllegalStateException(
                        "the workspaces service did not say where the deployment runs: " + e.getMessage()));
    }

    public Uni<Void> release(UUID holding) {
        return release(holding, null);
    }

    /** Releases, flagging the deployment for its owner with {@code attention} when it is not null. */
    public Uni<Void> release(UUID holding, String attention) {
        return api.release(
                        serviceTokens.authorization(),
                        holding,
                        attention == null ? Map.of() : Map.of("attention", attention))
                .replaceWithVoid()
                .onFailure(e -> status(e) == 404)
                .recoverWithNull();
    }

    public Uni<Deployment> deployment(UUID id) {
        return api.deployment(id).onFailure().transform(Workspaces::relayable);
    }

    /** The deployment's owner, as the workspaces service tells it to the asking user: null unless they own it. */
    public Uni<UUID> ownerOf(UUID deployment, String authorization) {
        return api.deploymentAsSeenBy(authorization, deployment)
                .map(seen -> seen.owner() == null ? null : UUID.fromString(seen.owner()))
                .onFailure()
                .transform(Workspaces::relayable);
    }

    private static int status(Throwable e) {
        return e instanceof WebApplicationException answered
                ? answered.getResponse().getStatus()
                : -1;
    }

    private static Throwable relayable(Throwable e) {
        if (e instanceof WebApplicationException answered) {
            int status = answered.getResponse().getStatus();
            String text = answered.getResponse().readEntity(String.class);
            try {
                return new Refused(status, new JsonObject(text));
            } catch (RuntimeException notJson) {
                return ApiException.unavailable("the workspaces service answered " + status + "; try again");
            }
        }
        return ApiException.unavailable("the workspaces service cannot be reached; try again");
    }
}
