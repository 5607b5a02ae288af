package dev.rigfleet.agent.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** The answer shapes of the supervisor API, and its lenient reading of request bodies and app ids. */
final class SupervisorAnswers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SupervisorAnswers() {}

    /** {@code {"Data":"OK","Error":""}} with the status given. */
    static Response dataOk(int status) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("Data", "OK", "Error", ""))
                .build();
    }

    /** {@code {"Data":"","Error":"<why>"}}, as reboot and shutdown fail. */
    static WebApplicationException dataError(int status, String why) {
        return new WebApplicationException(Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("Data", "", "Error", why))
                .build());
    }

    /** {@code {"status":"failed","message":...}}, the reference's shape for other failures. */
    static WebApplicationException failed(int status, String message) {
        return new WebApplicationException(Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("status", "failed", "message", message))
                .build());
    }

    /** A plain-text answer, as several v1 endpoints give. */
    static WebApplicationException text(int status, String text) {
        return new WebApplicationException(Response.status(status)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity(text)
                .build());
    }

    /** The request body as JSON; an empty body is {@code {}}, anything but an object a 400. */
    static JsonNode body(String raw) {
        if (raw == null || raw.isBlank()) {
            return JsonNodeFactory.instance.objectNode();
        }
        try {
            JsonNode body = JSON.readTree(raw);
            if (body != null && body.isObject()) {
                return body;
            }
        } catch (Exception e) {
            // answered below
        }
        throw failed(400, "the body must be a JSON object");
    }

    /** An app id as the reference reads it: an integer, or a string of digits; otherwise null. */
    static Long appId(JsonNode value) {
        if (value == null) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.asLong();
        }
        if (value.isTextual() && value.asText().matches("\\d{1,18}")) {
            return Long.parseLong(value.asText());
        }
        return null;
    }

    static Long appId(String value) {
        return value != null && value.matches("\\d{1,18}") ? Long.parseLong(value) : null;
    }

    static boolean force(JsonNode body) {
        return body.path("force").asBoolean(false);
    }
}
