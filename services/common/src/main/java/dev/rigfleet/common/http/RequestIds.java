package dev.rigfleet.common.http;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every request an {@code X-Request-Id}: the caller's when it is a sensible token, a new UUID otherwise. The
 * id goes into the logging context (every log line shows it), into error bodies, onto outgoing calls and bus
 * messages, and back to the caller.
 */
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "request_id";
    private static final Pattern ACCEPTABLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** The caller's id when it is a sensible token (it ends up in logs and JSON), otherwise null. */
    public static String acceptable(String given) {
        return given != null && ACCEPTABLE.matcher(given).matches() ? given : null;
    }

    /** The id of the request being served, or null outside of one. */
    public static String current() {
        Object id = MDC.get(MDC_KEY);
        return id == null ? null : id.toString();
    }

    @ServerRequestFilter(preMatching = true, priority = FilterOrder.REQUEST_ID)
    public void assign(ContainerRequestContext request) {
        String given = acceptable(request.getHeaderString(HEADER));
        String id = given != null ? given : UUID.randomUUID().toString();
        MDC.put(MDC_KEY, id);
        request.setProperty(MDC_KEY, id);
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(MDC_KEY);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
    }
}
