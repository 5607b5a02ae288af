package dev.rigfleet.common.auth;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Set;

/**
 * The dashboard's session: a revocable user token in an HttpOnly, SameSite=Strict cookie, which every service's JWT
 * mechanism reads beside the bearer header ({@code mp.jwt.token.cookie}) because browsers cannot put a header on a
 * WebSocket or an EventSource. Secure everywhere but on a loopback address, where {@code make run} serves plain
 * HTTP.
 */
public final class SessionCookie {

    /** Also {@code mp.jwt.token.cookie} in the shared configuration. */
    public static final String NAME = "rigfleet_session";

    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");

    private SessionCookie() {}

    /** The cookie that signs the browser in with {@code token} for {@code lifetime}. */
    public static Cookie holding(String token, Duration lifetime, HttpServerRequest request) {
        return Cookie.cookie(NAME, token)
                .setPath("/")
                .setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT)
                .setSecure(!isLoopback(request))
                .setMaxAge(lifetime.toSeconds());
    }

    /** The same cookie, expired: the browser drops it. */
    public static Cookie cleared(HttpServerRequest request) {
        return holding("", Duration.ZERO, request);
    }

    /**
     * Whether the request carries the session cookie. SmallRye reads the cookie before the bearer header, so a
     * request with both is signed in by the cookie.
     */
    public static boolean sent(HttpServerRequest request) {
        return request.getCookie(NAME) != null;
    }

    private static boolean isLoopback(HttpServerRequest request) {
        String host = request.authority() == null ? null : request.authority().host();
        return host != null && (LOOPBACK_HOSTS.contains(host) || LOOPBACK_HOSTS.contains("[" + host + "]"));
    }
}
