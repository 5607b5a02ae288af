package dev.rigfleet.common.error;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.common.json.UnacceptableTextException;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Turns every failure into an {@link ErrorBody}. Messages are written for people; class names and stack traces
 * stay in the server's log.
 */
public class ErrorMappers {

    /** What the rerobots client matches to raise {@code WrongAuthToken}. */
    public static final String WRONG_TOKEN = "wrong authorization token";

    public static Response response(int status, String code, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(message, code, status, RequestIds.current()))
                .build();
    }

    @ServerExceptionMapper
    public Response apiException(ApiException e, SimpleResourceInfo resource) {
        if (e.status() == 401 && servesRerobotsRoutes(resource)) {
            return response(400, "unauthorized", e.getMessage());
        }
        Response answer = Response.status(e.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(
                        e.getMessage(),
                        e.code(),
                        e.status(),
                        RequestIds.current(),
                        e.hasResultMessage() ? e.getMessage() : null))
                .build();
        if (e.status() == 401) {
            return Response.fromResponse(answer)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                    .build();
        }
        return answer;
    }

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public Response unauthenticated(RuntimeException e, SimpleResourceInfo resource) {
        // A failure inside the identity augmentors (such as "revocations not loaded") arrives wrapped.
        if (e.getCause() instanceof ApiException api) {
            return apiException(api, resource);
        }
        return apiException(ApiException.unauthorized(WRONG_TOKEN), resource);
    }

    /** The rerobots routes answer a wrong token with 400, as the reference server does ({@link RerobotsRoutes}). */
    private static boolean servesRerobotsRoutes(SimpleResourceInfo resource) {
        return resource != null
                && resource.getResourceClass() != null
                && resource.getResourceClass().isAnnotationPresent(RerobotsRoutes.class);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return response(403, "forbidden", "this token's scopes do not allow that");
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadableJson(unreadable);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            Log.errorf(e, "request failed with %d", status);
        }
        return response(status, code(status), describe(status));
    }

    @ServerExceptionMapper
    public Response invalidRequest(ConstraintViolationException e) {
        String message = e.getConstraintViolations().stream()
                .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
                .map(ErrorMappers::describe)
                .collect(Collectors.joining("; "));
        return response(400, "invalid_request", message);
    }

    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e) {
        String field = fieldPath(e);
        if (e instanceof UnacceptableTextException text) {
            String where = field.isEmpty() ? "the request body" : "field '" + field + "'";
            return response(400, "invalid_json", where + (text.inKey() ? " has a key that " : " ") + text.reason());
        }
        String message = field.isEmpty()
                ? "the request body does not have the expected shape"
                : "field '" + field + "' is missing or has the wrong type";
        return response(400, "invalid_json", message);
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        if (e instanceof MismatchedInputException mismatched) {
            return mismatchedJson(mismatched);
        }
        String duplicate = duplicateKey(e);
        if (duplicate != null) {
            String message = duplicate.isEmpty()
                    ? "the request body has a key more than once"
                    : "field '" + duplicate + "' is given more than once; give each field once";
            return response(400, "invalid_json", message);
        }
        String field = e instanceof JsonMappingException mapping ? fieldPath(mapping) : "";
        String message = field.isEmpty()
                ? "the request body is not valid JSON"
                : "field '" + field + "' has a value that cannot be used";
        return response(400, "invalid_json", message);
    }

    /**
     * A Java type that Jackson cannot read into is a bug of ours, not of the request; Quarkus's own mapper for it
     * answers an empty 500.
     */
    @ServerExceptionMapper
    public Response undeserializable(InvalidDefinitionException e) {
        return unexpected(e);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        Log.errorf(e, "unexpected failure while serving the request");
        return response(500, "internal_error", "internal error; quote the request id when reporting it");
    }

    private static String describe(ConstraintViolation<?> violation) {
        // Container elements show as "scopes[].<iterable element>" or "patch<K>[x].<map key>": keep "scopes[]".
        String path = violation.getPropertyPath().toString().replaceAll("\\.?<[^>]*>", "");
        // Method parameter paths look like "create.body.username": keep the field's own part.
        String[] parts = path.split("\\.");
        String field = parts.length > 2
                ? String.join(".", Arrays.copyOfRange(parts, 2, parts.length))
                : parts[parts.length - 1];
        return field + " " + violation.getMessage();
    }

    private static String fieldPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    /**
     * The path of a key given twice ({@code items[1].env.X}), "" when it is unknown, or null when the failure is
     * something else. The parser refuses duplicates ({@code StrictJson}) and stops on the second one, so its context
     * still points at it.
     */
    private static String duplicateKey(JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json
                    && json.getOriginalMessage() != null
                    && json.getOriginalMessage().startsWith("Duplicate field '")) {
                return json.getProcessor() instanceof JsonParser parser ? path(parser.getParsingContext()) : "";
            }
        }
        return null;
    }

    private static String path(JsonStreamContext context) {
        Deque<JsonStreamContext> chain = new ArrayDeque<>();
        for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
            chain.addFirst(at);
        }
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext at : chain) {
            if (at.inArray()) {
                path.append('[').append(Math.max(at.getCurrentIndex(), 0)).append(']');
            } else if (at.getCurrentName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(at.getCurrentName());
            }
        }
        return path.toString();
    }

    private static String code(int status) {
        Response.Status known = Response.Status.fromStatusCode(status);
        String phrase = known == null ? "error" : known.getReasonPhrase();
        return phrase.toLowerCase(Locale.ROOT).replace(' ', '_');
    }

    private static String describe(int status) {
        return switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 406 -> "cannot produce the media type asked for in Accept; use application/json";
            case 413 -> "request body too large";
            case 415 -> "unsupported content type; send application/json";
            default -> {
                Response.Status known = Response.Status.fromStatusCode(status);
                yield known == null ? "request failed" : known.getReasonPhrase().toLowerCase(Locale.ROOT);
            }
        };
    }
}
