package dev.rigfleet.common.http;

import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.common.json.StoredText;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses, with 400 and the common JSON body, a path or query whose percent-encoding does not decode to text the
 * services can store: {@code %00} (PostgreSQL refuses U+0000 in any text), bytes that are not UTF-8 ({@code %ff}),
 * or a broken escape. Decided before matching, so nothing of the request reaches a resource or the database.
 *
 * <p>A broken escape such as {@code %zz} never gets here: Quarkus checks every request target with {@code
 * java.net.URI} before any application code and answers an empty 400 itself (unless the JVM runs with {@code
 * -Dvertx.disableURIValidation=true}).
 */
public class RequestTargets {

    @ServerRequestFilter(preMatching = true, priority = FilterOrder.REQUEST_TARGET)
    public Response check(HttpServerRequest connection) {
        String problem = problemOfPath(connection.path());
        if (problem == null) {
            problem = problemOfQuery(connection.query());
        }
        return problem == null ? null : ErrorMappers.response(400, "bad_request", problem);
    }

    static String problemOfPath(String rawPath) {
        if (rawPath == null || rawPath.indexOf('%') < 0) {
            return null;
        }
        String problem = problemOf(rawPath);
        return problem == null ? null : "the path " + problem;
    }

    static String problemOfQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.indexOf('%') < 0) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String rawName = equals < 0 ? pair : pair.substring(0, equals);
            String nameProblem = problemOf(rawName);
            if (nameProblem != null) {
                return "a query parameter's name " + nameProblem;
            }
            String valueProblem = equals < 0 ? null : problemOf(pair.substring(equals + 1));
            if (valueProblem != null) {
                String name = decode(rawName.replace('+', ' '));
                return "query parameter '" + name + "' " + valueProblem;
            }
        }
        return null;
    }

    /** What is wrong with the raw text once decoded, or null. */
    private static String problemOf(String raw) {
        if (raw.indexOf('%') < 0) {
            return null;
        }
        String decoded = decode(raw);
        if (decoded == null) {
            return "has a percent-encoding that is not valid UTF-8";
        }
        return StoredText.problem(decoded);
    }

    /**
     * The percent-decoded text, or null when an escape is broken or a run of escapes is not UTF-8. Characters that
     * are not escaped stay as they are.
     */
    private static String decode(String raw) {
        StringBuilder decoded = new StringBuilder(raw.length());
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                decoded.append(c);
                continue;
            }
            run.reset();
            while (i < raw.length() && raw.charAt(i) == '%') {
                int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    return null;
                }
                run.write(high << 4 | low);
                i += 3;
            }
            i--;
            try {
                decoded.append(StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(run.toByteArray())));
            } catch (CharacterCodingException e) {
                return null;
            }
        }
        return decoded.toString();
    }
}
