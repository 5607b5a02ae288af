package dev.rigfleet.common.auth;

import dev.rigfleet.common.error.ApiException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.Arrays;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Decides, for the resource a request was matched to, whether a service may call it: resources marked {@link
 * InternalApi} need a service token of one of their callers. It runs after matching, so the decision belongs to the
 * resource however the path was spelled. A resource under {@code /internal} without the mark is refused to all.
 */
public class InternalApiCheck {

    private final ServiceTokens tokens;

    public InternalApiCheck(ServiceTokens tokens) {
        this.tokens = tokens;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public void check(ContainerRequestContext request, ResourceInfo resource) {
        InternalApi api = resource.getResourceMethod().getAnnotation(InternalApi.class);
        if (api == null) {
            api = resource.getResourceClass().getAnnotation(InternalApi.class);
        }
        if (api == null) {
            Path path = resource.getResourceClass().getAnnotation(Path.class);
            if (path != null && path.value().replaceFirst("^/+", "").startsWith("internal")) {
                Log.errorf(
                        "Refused %s: %s is under /internal but names no callers (@InternalApi)",
                        request.getUriInfo().getPath(),
                        resource.getResourceClass().getName());
                throw ApiException.forbidden("this route is not open to any caller");
            }
            return;
        }
        String caller = tokens.caller(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (Arrays.stream(api.callers()).noneMatch(caller::equals)) {
            throw ApiException.forbidden("the " + caller + " service may not call this route");
        }
    }
}
