package dev.rigfleet.common.http;

import dev.rigfleet.common.error.ErrorMappers;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Locale;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The API's rule for {@code Content-Type}: a request with a body must declare it as JSON ({@code application/json} or
 * {@code application/*+json}, any parameters), or get 415; a request without a body needs no {@code Content-Type}.
 * Routes marked {@link AcceptsAnyContentType} read any body as JSON. An empty or malformed {@code Content-Type} is a
 * 400 on every request.
 *
 * <p>Without this, Quarkus reads a {@code text/plain} body into any request type that has a one-string constructor
 * ({@code POST /fleets} with the text {@code lab-arms} made a fleet), and a malformed header fails as a 500.
 *
 * <p>"Without a body" is what the headers say: no {@code Content-Length} (or {@code 0}) and no {@code
 * Transfer-Encoding}. HTTP/2 frames a body without either header, so there a declared non-JSON type counts as a
 * body unless {@code Content-Length: 0} says otherwise.
 */
public class ContentTypes {

    /** Set on a request whose body is not declared as JSON: what it declared, "" for nothing. */
    private static final String NOT_JSON = ContentTypes.class.getName() + ".notJson";

    @ServerRequestFilter(preMatching = true, priority = FilterOrder.CONTENT_TYPE)
    public Response inspect(ContainerRequestContext request, HttpServerRequest connection) {
        String declared = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        MediaType type = declared == null ? null : parse(declared);
        if (declared != null && type == null) {
            return ErrorMappers.response(
                    400,
                    "bad_request",
                    "the Content-Type header is empty or malformed; send application/json with a body, and no"
                            + " Content-Type without one");
        }
        if (type != null && isJson(type)) {
            return null;
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        boolean body = length != null
                ? !length.trim().equals("0")
                : request.getHeaderString("Transfer-Encoding") != null
                        || (type != null && connection.version() == HttpVersion.HTTP_2);
        if (body) {
            // Whether that is refused depends on the route, which is not known before matching.
            request.setProperty(NOT_JSON, type == null ? "" : type.getType() + "/" + type.getSubtype());
        }
        return null;
    }

    @ServerRequestFilter
    public Response decide(ContainerRequestContext request, ResourceInfo resource) {
        if (!(request.getProperty(NOT_JSON) instanceof String declared)) {
            return null;
        }
        Method method = resource.getResourceMethod();
        Class<?> owner = resource.getResourceClass();
        if (method == null || declaresOwnTypes(method, owner)) {
            return null;
        }
        if (method.isAnnotationPresent(AcceptsAnyContentType.class)
                || (owner != null && owner.isAnnotationPresent(AcceptsAnyContentType.class))) {
            request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
            return null;
        }
        String message = declared.isEmpty()
                ? "a request body needs Content-Type: application/json"
                : "unsupported content type " + declared + "; send application/json";
        return ErrorMappers.response(415, "unsupported_media_type", message);
    }

    /** Whether the type is JSON: application/json or application/*+json. */
    public static boolean isJson(MediaType type) {
        String subtype = type.getSubtype().toLowerCase(Locale.ROOT);
        return type.getType().equalsIgnoreCase("application") && (subtype.equals("json") || subtype.endsWith("+json"));
    }

    private static MediaType parse(String declared) {
        if (declared.isBlank()) {
            return null;
        }
        try {
            MediaType type = MediaType.valueOf(declared);
            return type.getType().isEmpty() || type.getSubtype().isEmpty() ? null : type;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A route that names non-JSON types in {@code @Consumes} has chosen its own; Quarkus enforces them. */
    private static boolean declaresOwnTypes(Method method, Class<?> owner) {
        Consumes consumes = method.getAnnotation(Consumes.class);
        if (consumes == null && owner != null) {
            consumes = owner.getAnnotation(Consumes.class);
        }
        return consumes != null
                && Arrays.stream(consumes.value())
                        .flatMap(value -> Arrays.stream(value.split(",")))
                        .map(String::trim)
                        .map(MediaType::valueOf)
                        .anyMatch(type -> !isJson(type));
    }
}
