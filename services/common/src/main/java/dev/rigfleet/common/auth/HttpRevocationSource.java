package dev.rigfleet.common.auth;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
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
    private final ServiceTokens serviceTokens;

    public HttpRevocationSource(@RestClient RevocationsApi api, ServiceTokens serviceTokens) {
        this.api = api;
        this.serviceTokens = serviceTokens;
    }

    @Override
    public Uni<RevocationList> load() {
        return api.list(serviceTokens.authorization());
    }

    @RegisterRestClient(configKey = "revocations")
    @Path("/internal/revocations")
    interface RevocationsApi {

        @GET
        Uni<RevocationList> list(@HeaderParam(HttpHeaders.AUTHORIZATION) String serviceAuthorization);
    }
}
