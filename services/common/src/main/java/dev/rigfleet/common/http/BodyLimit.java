package dev.rigfleet.common.http;

import dev.rigfleet.common.error.ErrorBody;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body whose declared length exceeds {@code rigfleet.http.max-body-size} with the common JSON error, before
 * anything reads it. Quarkus's own limit ({@code quarkus.http.limits.max-body-size}) is set above ours and stays as
 * the backstop for bodies that declare no length; it answers with an empty 413.
 */
@ApplicationScoped
public class BodyLimit {

    void install(
            @Observes Router router, @ConfigProperty(name = "rigfleet.http.max-body-size") MemorySize maxBodySize) {
        long limit = maxBodySize.asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String declared = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (declared != null && exceeds(declared, limit)) {
                String requestId = RequestIds.acceptable(context.request().getHeader(RequestIds.HEADER));
                String message = "request body too large; the limit is " + limit + " bytes";
                context.response()
                        .setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(Json.encode(new ErrorBody(message, "request_entity_too_large", 413, requestId)));
                return;
            }
            context.next();
        });
    }

    private static boolean exceeds(String declared, long limit) {
        try {
            return Long.parseLong(declared.trim()) > limit;
        } catch (NumberFormatException e) {
            return false; // Vert.x itself refuses a malformed Content-Length
        }
    }
}
