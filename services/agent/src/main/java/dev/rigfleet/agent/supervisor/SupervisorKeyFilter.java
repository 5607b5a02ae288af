package dev.rigfleet.agent.supervisor;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Set;

/**
 * The supervisor API's key check, as the reference supervisor does it: the {@code apikey} query parameter (which
 * wins), else {@code Authorization: Bearer <key>} or {@code Authorization: ApiKey <key>}. A missing or wrong key is
 * 401 {@code Unauthorized} before anything runs. {@code /ping} and {@code /v1/healthy} need no key.
 */
@Provider
@PreMatching
public class SupervisorKeyFilter implements ContainerRequestFilter {

    private static final Set<String> OPEN = Set.of("/ping", "/v1/healthy");

    private final SupervisorKey key;

    public SupervisorKeyFilter(SupervisorKey key) {
        this.key = key;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = "/" + request.getUriInfo().getPath().replaceFirst("^/+", "");
        if (OPEN.contains(path) || path.startsWith("/q/")) {
            return;
        }
        if (!key.accepts(presented(request))) {
            request.abortWith(Response.status(401)
                    .type(MediaType.TEXT_PLAIN_TYPE)
                    .entity("Unauthorized")
                    .build());
        }
    }

    private static String presented(ContainerRequestContext request) {
        String query = request.getUriInfo().getQueryParameters().getFirst("apikey");
        if (query != null) {
            return query;
        }
        String authorization = request.getHeaderString("Authorization");
        if (authorization == null) {
            return null;
        }
        for (String scheme : new String[] {"Bearer ", "ApiKey "}) {
            if (authorization.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return authorization.substring(scheme.length()).trim();
            }
        }
        return null;
    }
}
