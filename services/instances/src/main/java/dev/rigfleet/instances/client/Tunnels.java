package dev.rigfleet.instances.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.rigfleet.common.auth.ServiceTokens;
import dev.rigfleet.instances.model.FirewallRule;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The coordinator's tunnels ({@code /internal/tunnels}): an instance's {@code fwd} is a tunnel to its SSH server's
 * port on the device, and the tunnel enforces the instance's firewall. A tunnel lives on the coordinator replica
 * that opened it, so it is opened through the coordinators' address ({@code quarkus.rest-client.coordinator.url})
 * and changed and closed at the URL that replica gave it.
 */
@ApplicationScoped
public class Tunnels {

    /** {@code pod}: the coordinator pod that holds the tunnel, in a cluster (null elsewhere). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tunnel(String id, String host, int port, List<FirewallRule> rules, String url, String pod) {}

    @Produces(MediaType.APPLICATION_JSON)
    @Consumes(MediaType.APPLICATION_JSON)
    public interface Api {

        @POST
        @Path("/internal/tunnels")
        Uni<Tunnel> open(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, Map<String, Object> request);

        @PUT
        @Path("/internal/tunnels/{id}/firewall")
        Uni<Tunnel> setFirewall(
                @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                @PathParam("id") String id,
                Map<String, Object> request);

        @DELETE
        @Path("/internal/tunnels/{id}")
        Uni<Void> close(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") String id);
    }

    private final URI coordinators;
    private final ServiceTokens serviceTokens;
    private final Map<URI, Api> replicas = new ConcurrentHashMap<>();

    public Tunnels(
            @ConfigProperty(name = "quarkus.rest-client.coordinator.url") URI coordinators,
            ServiceTokens serviceTokens) {
        this.coordinators = coordinators;
        this.serviceTokens = serviceTokens;
    }

    /** A tunnel to the instance's SSH server ({@code devicePort} is where the agent said it listens). */
    public Uni<Tunnel> open(String deviceUuid, String instanceId, int devicePort, List<FirewallRule> rules) {
        return api(coordinators)
                .open(
                        serviceTokens.authorization(),
                        Map.of("device", deviceUuid, "instance", instanceId, "port", devicePort, "rules", rules));
    }

    /** False when the tunnel is gone (its replica restarted). */
    public Uni<Boolean> setFirewall(String url, List<FirewallRule> rules) {
        URI tunnel = URI.create(url);
        return api(replica(tunnel))
                .setFirewall(serviceTokens.authorization(), id(tunnel), Map.of("rules", rules))
                .replaceWith(true)
                .onFailure(Tunnels::gone)
                .recoverWithItem(false);
    }

    /** Closes the tunnel; one already gone counts as closed. */
    public Uni<Void> close(String url) {
        URI tunnel = URI.create(url);
        return api(replica(tunnel))
                .close(serviceTokens.authorization(), id(tunnel))
                .onFailure(Tunnels::gone)
                .recoverWithNull();
    }

    private static boolean gone(Throwable e) {
        return e instanceof WebApplicationException answered
                && answered.getResponse().getStatus() == 404;
    }

    private Api api(URI base) {
        return replicas.computeIfAbsent(
                base, uri -> QuarkusRestClientBuilder.newBuilder().baseUri(uri).build(Api.class));
    }

    private static URI replica(URI tunnel) {
        return URI.create(tunnel.getScheme() + "://" + tunnel.getRawAuthority());
    }

    private static String id(URI tunnel) {
        String path = tunnel.getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
