package dev.rigfleet.common.ratelimit;

import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.common.http.FilterOrder;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Counts every API request against its principal's allowance and sets the spec's {@code X-RateLimit-*} headers on
 * the answer; past the limit, answers 429 with {@code Retry-After} until the window ends.
 *
 * <p>The principal is the token's user when the token is valid and the client's address otherwise, so a bad token
 * cannot spend someone else's allowance.
 */
public class RateLimitFilter {

    public static final String LIMIT = "X-RateLimit-Limit";
    public static final String REMAINING = "X-RateLimit-Remaining";
    public static final String RESET = "X-RateLimit-Reset";
    private static final String QUOTA_PROPERTY = Quota.class.getName();
    private static final String DEFAULT_CLASS = "default";
    /**
     * Service-to-service routes, which the entry proxy never routes: a coordinator checks a credential for every
     * agent that connects, and must not be throttled as one anonymous caller.
     */
    private static final String INTERNAL = "/internal/";

    private final RateLimiter limiter;
    private final RateLimitConfig config;
    private final CurrentIdentityAssociation identities;

    public RateLimitFilter(RateLimiter limiter, RateLimitConfig config, CurrentIdentityAssociation identities) {
        this.limiter = limiter;
        this.config = config;
        this.identities = identities;
    }

    @ServerRequestFilter(preMatching = true, priority = FilterOrder.RATE_LIMIT)
    public Uni<Response> limit(ContainerRequestContext request, HttpServerRequest connection) {
        String path = request.getUriInfo().getPath();
        if (!config.enabled() || path.startsWith(INTERNAL)) {
            return Uni.createFrom().nullItem();
        }
        RouteLimit route = routeLimit(path);
        return principal(connection)
                .chain(principal -> limiter.count(route.routeClass(), principal, route.limit()))
                .map(quota -> {
                    quota.ifPresent(q -> request.setProperty(QUOTA_PROPERTY, q));
                    return quota.filter(Quota::exceeded).map(this::tooMany).orElse(null);
                });
    }

    private record RouteLimit(String routeClass, long limit) {}

    /** The class whose longest path prefix matches, or the default class. */
    private RouteLimit routeLimit(String path) {
        RouteLimit chosen = new RouteLimit(DEFAULT_CLASS, config.limit());
        int longestMatch = -1;
        for (Map.Entry<String, RateLimitConfig.RouteClass> routeClass :
                config.classes().entrySet()) {
            for (String prefix : routeClass.getValue().pathPrefixes()) {
                if (path.startsWith(prefix) && prefix.length() > longestMatch) {
                    chosen = new RouteLimit(
                            routeClass.getKey(), routeClass.getValue().limit());
                    longestMatch = prefix.length();
                }
            }
        }
        return chosen;
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(QUOTA_PROPERTY) instanceof Quota quota) {
            setHeaders(response.getHeaders(), quota);
        }
    }

    private Uni<String> principal(HttpServerRequest connection) {
        String address = connection.remoteAddress() == null
                ? "unknown"
                : connection.remoteAddress().hostAddress();
        return identities
                .getDeferredIdentity()
                .map(RateLimitFilter::userOf)
                .onFailure()
                .recoverWithItem(Optional.empty())
                .map(user -> user.map(id -> "user:" + id).orElse("addr:" + address));
    }

    private static Optional<String> userOf(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getSubject() != null) {
            return Optional.of(jwt.getSubject());
        }
        return Optional.empty();
    }

    private Response tooMany(Quota quota) {
        long retryAfter = quota.retryAfterSeconds(Instant.now().getEpochSecond());
        Response.ResponseBuilder answer = Response.fromResponse(ErrorMappers.response(
                        429,
                        "rate_limited",
                        "rate limit of " + quota.limit() + " requests exceeded; retry after " + retryAfter + " s"))
                .header(HttpHeaders.RETRY_AFTER, retryAfter);
        answer.header(LIMIT, quota.limit())
                .header(REMAINING, quota.remaining())
                .header(RESET, quota.resetEpochSeconds());
        return answer.build();
    }

    private static void setHeaders(MultivaluedMap<String, Object> headers, Quota quota) {
        headers.putSingle(LIMIT, quota.limit());
        headers.putSingle(REMAINING, quota.remaining());
        headers.putSingle(RESET, quota.resetEpochSeconds());
    }
}
