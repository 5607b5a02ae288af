package dev.rigfleet.common.auth;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Loads the revocation list from the workspaces service, which owns it. Its address is the REST client {@code
 * revocations} ({@code quarkus.rest-client.revocations.url}).
 */
@DefaultBean
@ApplicationScoped
public class HttpRevocationSource implements RevocationSource {

    private final RevocationsApi api;

    public HttpRevocationSource(@RestClient RevocationsApi api) {
        this.api = api;
    }

    @Override
    public Uni<RevocationList> load() {
        return api.list();
    }

    @RegisterRestClient(configKey = "revocations")
    @Path("/internal/revocations")
    interface RevocationsApi {

        @GET
        Uni<RevocationList> list();
    }
}
