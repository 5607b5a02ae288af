package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorBody;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.coordinator.client.RegistryClient;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import java.util.Set;
import java.util.UUID;

/**
 * Decides who may open the users' WebSockets {@code /{id}/pty} ({@link PtySocket}) and {@code /{id}/coordinate}
 * ({@link AgentWatchSocket}): the device's owner and admins, as the registry sees the caller's token. The check is
 * bound to those endpoints, so every path that reaches them (a trailing slash, a double slash) passes it; everyone
 * else gets the 404 an unknown device gets, and a bad query a 400, both with the common JSON error body.
 */
@ApplicationScoped
// Before the endpoints' @RolesAllowed check (Integer.MAX_VALUE - 100), whose refusals carry no body: a missing or
// refused token is the registry's 401 here, with the common error body.
@Priority(Integer.MAX_VALUE - 50)
public class AgentSocketAccess implements HttpUpgradeCheck {

    private static final String SOCKETS = "/api/v2/workspaceagents/*";
    private static final Set<String> CHECKED_ENDPOINTS = Set.of(PtySocket.ENDPOINT, AgentWatchSocket.ENDPOINT);

    private final RegistryClient registry;

    public AgentSocketAccess(RegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return CHECKED_ENDPOINTS.contains(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext upgrade) {
        String id = upgrade.pathParam("id");
        String uuid;
        try {
            uuid = AgentIds.deviceUuid(id);
            if (PtySocket.ENDPOINT.equals(upgrade.endpointId())) {
                PtyRequest.parse(upgrade.httpRequest().query());
            }
        } catch (ApiException refused) {
            return Uni.createFrom().failure(refused);
        }
        return registry.deviceAsSeenBy(upgrade.httpRequest().getHeader(HttpHeaders.AUTHORIZATION), uuid)
                .onItemOrFailure()
                .transformToUni((owned, failure) -> failure == null
                        ? CheckResult.permitUpgrade()
                        : Uni.createFrom().failure(refusal(id, failure)));
    }

    /**
     * A refused upgrade fails its request; this answers the failure with the common error body, which a rejection
     * of WebSockets Next cannot carry. The agent's own route is rerouted here too: {@code /me/coordinate} would also
     * match the users' {@code /{id}/coordinate}, so the agent's endpoint is served under a path of its own.
     */
    void install(@Observes Router router) {
        router.route(SOCKETS).order(Integer.MIN_VALUE).failureHandler(AgentSocketAccess::answerRefusal);
        router.routeWithRegex(HttpMethod.GET, CoordinateSocket.PUBLIC_PATH + "/?")
                .order(Integer.MIN_VALUE + 1)
                .handler(request -> request.reroute(CoordinateSocket.PATH));
    }

    private static ApiException refusal(String id, Throwable failure) {
        if (failure instanceof WebApplicationException answered) {
            int status = answered.getResponse().getStatus();
            if (status == 401) {
                return ApiException.unauthorized(ErrorMappers.WRONG_TOKEN);
            }
            if (status == 404 || status == 403) {
                return ApiException.notFound("no agent " + id);
            }
        }
        Log.warnf("Could not ask the registry about agent %s: %s", id, failure.getMessage());
        return ApiException.unavailable("the registry did not answer; try again");
    }

    private static ApiException asApiException(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof AuthenticationFailedException || failure instanceof UnauthorizedException) {
            return ApiException.unauthorized(ErrorMappers.WRONG_TOKEN);
        }
        if (failure instanceof ForbiddenException) {
            return ApiException.forbidden("this token's scopes do not allow that");
        }
        return null;
    }

    private static void answerRefusal(RoutingContext request) {
        ApiException refused = asApiException(request.failure());
        if (refused == null || request.response().ended()) {
            request.next();
            return;
        }
        // The REST filters that give every request an id do not see a refused upgrade: it gets one here.
        String given = RequestIds.acceptable(request.request().getHeader(RequestIds.HEADER));
        String requestId = given != null ? given : UUID.randomUUID().toString();
        request.response().putHeader(RequestIds.HEADER, requestId);
        if (refused.status() == 401) {
            request.response().putHeader("WWW-Authenticate", "Bearer");
        }
        request.response()
                .setStatusCode(refused.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Json.encode(new ErrorBody(refused.getMessage(), refused.code(), refused.status(), requestId)));
    }
}
