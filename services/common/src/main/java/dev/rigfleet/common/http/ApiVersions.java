package dev.rigfleet.common.http;

import dev.rigfleet.common.error.ErrorBody;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Selects the API version from the {@code Accept} header, as the spec describes: {@code
 * application/vnd.rigfleet.v1+json} or {@code application/vnd.rerobots.v1+json} (what clients written for the spec's
 * service send) selects v1, and so does no version at all. Any other version gets 406.
 */
public class ApiVersions {

    public static final int CURRENT = 1;
    private static final Pattern VENDOR_TYPE =
            Pattern.compile("application/vnd\\.(?:rigfleet|rerobots)\\.v(\\d{1,9})\\+json", Pattern.CASE_INSENSITIVE);

    @ServerRequestFilter(preMatching = true, priority = FilterOrder.API_VERSION)
    public Response negotiate(ContainerRequestContext request) {
        if (request.getMediaType() == null || request.getLength() == 0) {
            // Our API speaks only JSON: a request with no body, or with no type (curl -X POST, most clients), is
            // an empty JSON request rather than an unsupported media type.
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        }
        String accept = request.getHeaderString(HttpHeaders.ACCEPT);
        if (accept == null) {
            return null;
        }
        Integer asked = null;
        for (String range : accept.split(",")) {
            Matcher vendor = VENDOR_TYPE.matcher(range.split(";")[0].trim());
            if (vendor.matches()) {
                int version = Integer.parseInt(vendor.group(1));
                if (version == CURRENT) {
                    // Our resources produce application/json; the vendor type only chose the version.
                    request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON);
                    return null;
                }
                asked = version;
            }
        }
        if (asked == null) {
            return null;
        }
        String message = "API version v" + asked + " is not supported; this server speaks v" + CURRENT
                + " (Accept: application/vnd.rigfleet.v" + CURRENT + "+json)";
        return Response.status(Response.Status.NOT_ACCEPTABLE)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(message, "unsupported_version", 406, RequestIds.current()))
                .build();
    }
}
