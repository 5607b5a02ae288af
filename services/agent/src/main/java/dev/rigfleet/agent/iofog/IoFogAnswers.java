package dev.rigfleet.agent.iofog;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * The ioFog API's answers: JSON, non-ASCII escaped (the Java SDK reads answers as US-ASCII), and the connection closed
 * after each, as the reference agent closes it (the Java SDK waits for the close whenever an answer is not one it
 * handles, such as an error other than 400).
 */
final class IoFogAnswers {

    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private IoFogAnswers() {}

    static void json(RoutingContext request, int status, Object body) {
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .end(text)
                // The header alone leaves a keep-alive connection open: Vert.x closes only for the request's asking.
                .onComplete(sent -> request.request().connection().close());
    }

    /** A failure as a JSON object, which both SDKs hand to their bad-request callbacks. */
    static void error(RoutingContext request, int status, String message) {
        json(request, status, Map.of("status", "failed", "message", message));
    }
}
