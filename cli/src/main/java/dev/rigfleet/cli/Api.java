package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The platform's API as the commands call it: JSON in and out, the token as a bearer header, an error as the API's
 * {@code error_message}. A {@code 429} is waited out until {@code X-RateLimit-Reset} (saying so), then sent again.
 */
final class Api {

    /** The platform answered with an error: its message. */
    static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** The platform could not be reached at all. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final Optional<String> token;
    private final PrintWriter notices;
    private final Clock clock;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    Api(URI base, Optional<String> token, PrintWriter notices, Clock clock) {
        this.base = base;
        this.token = token;
        this.notices = notices;
        this.clock = clock;
    }

    static Api of(Credentials credentials, PrintWriter notices) {
        return new Api(URI.create(credentials.url()), credentials.token(), notices, Clock.systemUTC());
    }

    JsonNode get(String path) {
        return read(
                send(request(path).GET(), HttpResponse.BodyHandlers.ofString()).body());
    }

    JsonNode post(String path, Object body) {
        return read(raw(path, "POST", body).body());
    }

    JsonNode delete(String path) {
        return read(send(request(path).DELETE(), HttpResponse.BodyHandlers.ofString())
                .body());
    }

    /** The answer as it came (a device's own answer through the supervisor proxy, say), once it is no error. */
    HttpResponse<String> raw(String path, String method, Object body) {
        HttpRequest.BodyPublisher publisher =
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(write(body));
        return send(
                request(path).header("Content-Type", "application/json").method(method, publisher),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Reads a server-sent event stream line by line as it comes, until the platform ends it. */
    void events(String path, Consumer<String> line) {
        HttpResponse<Stream<String>> response = send(
                request(path)
                        .timeout(Duration.ofDays(1))
                        .header("Accept", "text/event-stream")
                        .GET(),
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            lines.forEach(line);
        } catch (UncheckedIOException e) {
            throw new Unreachable("the stream from " + base + " broke off (" + describe(e.getCause()) + ")");
        }
    }

    /** The URL of a WebSocket route, and the header that carries the token there. */
    URI webSocket(String path) {
        String scheme = "https".equals(base.getScheme()) ? "wss" : "ws";
        return URI.create(scheme
                + base.resolve(path).toString().substring(base.getScheme().length()));
    }

    Optional<String> token() {
        return token;
    }

    URI base() {
        return base;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Accept", "application/json");
        token.ifPresent(value -> request.header("Authorization", "Bearer " + value));
        return request;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        HttpRequest built = request.build();
        while (true) {
            HttpResponse<T> response;
            try {
                response = http.send(built, handler);
            } catch (IOException e) {
                throw new Unreachable("could not reach " + base + " (" + describe(e) + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unreachable("interrupted");
            }
            if (response.statusCode() == 429) {
                waitForReset(response);
                continue;
            }
            if (response.statusCode() >= 400) {
                String message = message(read(text(response.body())));
                throw new Refused(
                        response.statusCode(),
                        message.isEmpty() ? "the platform answered " + response.statusCode() : message);
            }
            return response;
        }
    }

    /** The people's text of an error body: {@code error_message}, else rerobots' {@code result_message}. */
    private static String message(JsonNode error) {
        for (String field : new String[] {"error_message", "result_message"}) {
            if (error.path(field).isTextual() && !error.path(field).asText().isBlank()) {
                return error.path(field).asText();
            }
        }
        return "";
    }

    private static String text(Object body) {
        if (body instanceof Stream<?> lines) {
            try (lines) {
                return lines.map(Object::toString).collect(Collectors.joining("\n"));
            }
        }
        return body == null ? "" : body.toString();
    }

    /** Sleeps until the rate limit's window ends: the command goes on rather than fails. */
    private void waitForReset(HttpResponse<?> response) {
        text(response.body());
        Instant now = clock.instant();
        Instant reset = response.headers()
                .firstValue("X-RateLimit-Reset")
                .map(Long::parseLong)
                .map(Instant::ofEpochSecond)
                .or(() -> response.headers()
                        .firstValue("Retry-After")
                        .map(Long::parseLong)
                        .map(now::plusSeconds))
                .orElse(now.plusSeconds(1));
        Duration wait = Duration.between(now, reset);
        if (wait.isNegative() || wait.isZero()) {
            wait = Duration.ofMillis(200);
        }
        notices.printf("rigfleet: rate limited; waiting %d s until %s%n", Math.max(1, wait.toSeconds()), reset);
        notices.flush();
        try {
            Thread.sleep(wait.toMillis()); // the platform tells when the window ends: nothing to poll
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted while waiting for the rate limit");
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static JsonNode read(String body) {
        if (body == null || body.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    private static String write(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
