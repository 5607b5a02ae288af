package dev.rigfleet.common.auth;

import dev.rigfleet.common.error.ErrorBody;
import dev.rigfleet.common.http.RequestIds;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request signed in by the session cookie that changes something, opens a WebSocket or follows an event stream
 * must come from the platform's own pages: its {@code Origin} is one of {@code rigfleet.http.public-origins} (by
 * default the origin the request was addressed to), or, where browsers send no {@code Origin} (a same-origin
 * GET such as an EventSource), its {@code Sec-Fetch-Site} is {@code same-origin}, which page scripts cannot set.
 * SameSite=Strict already keeps other sites' requests from carrying the cookie; this also refuses sibling
 * subdomains, which count as the same site. One route handler of every service, before any route: every path to a
 * resource passes it.
 */
@ApplicationScoped
public class SessionOrigin {

    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final List<String> publicOrigins;

    public SessionOrigin(@ConfigProperty(name = "rigfleet.http.public-origins") Optional<List<String>> publicOrigins) {
        this.publicOrigins = publicOrigins.orElse(List.of()).stream()
                .map(SessionOrigin::normalised)
                .toList();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(context -> {
            HttpServerRequest request = context.request();
            if (!SessionCookie.sent(request) || !needsOrigin(request) || fromOwnPages(request)) {
                context.next();
                return;
            }
            String given = RequestIds.acceptable(request.getHeader(RequestIds.HEADER));
            String requestId = given != null ? given : UUID.randomUUID().toString();
            String message = "a request signed in by the session cookie must come from the platform's own pages"
                    + " (its Origin header): this one's is " + describedOrigin(request) + ", the platform's "
                    + String.join(" or ", ownOrigins(request));
            context.response()
                    .setStatusCode(403)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(RequestIds.HEADER, requestId)
                    .end(Json.encode(new ErrorBody(message, "forbidden", 403, requestId)));
        });
    }

    private static String describedOrigin(HttpServerRequest request) {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null) {
            return origin.length() > 100 ? origin.substring(0, 100) + "…" : origin;
        }
        return "missing (Sec-Fetch-Site " + request.getHeader("Sec-Fetch-Site") + ")";
    }

    private static boolean needsOrigin(HttpServerRequest request) {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        return !SAFE.contains(request.method())
                || request.getHeader(HttpHeaders.UPGRADE) != null
                || (accept != null && accept.toLowerCase(Locale.ROOT).contains("text/event-stream"));
    }

    boolean fromOwnPages(HttpServerRequest request) {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null) {
            return "same-origin".equals(request.getHeader("Sec-Fetch-Site"));
        }
        String normalised = normalised(origin);
        return !normalised.isEmpty() && ownOrigins(request).contains(normalised);
    }

    /**
     * The configured origins, else the one the request was addressed to: its scheme and authority as the client
     * used them, which Quarkus reads from the trusted entry proxy's X-Forwarded-Proto and X-Forwarded-Port.
     */
    private List<String> ownOrigins(HttpServerRequest request) {
        if (!publicOrigins.isEmpty()) {
            return publicOrigins;
        }
        HostAndPort authority = request.authority();
        if (authority == null) {
            return List.of();
        }
        String host = authority.host().contains(":") ? "[" + authority.host() + "]" : authority.host();
        return List.of(
                normalised(request.scheme() + "://" + host + (authority.port() >= 0 ? ":" + authority.port() : "")));
    }

    /** scheme://host[:port] in lower case, without a default port or a trailing slash; "" for what is no origin. */
    private static String normalised(String origin) {
        try {
            URI uri = URI.create(origin.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return "";
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            boolean defaultPort =
                    port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
