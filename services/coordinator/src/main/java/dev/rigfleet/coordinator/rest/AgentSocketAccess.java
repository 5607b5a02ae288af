package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorBody;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.common.http.RequestIds;
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
import java.util.Set;
import java.util.UUID;

/**
 * Decides who may open the users' WebSockets {@code /{id}/pty} ({@link PtySocket}) and {@code /{id}/coordinate}
 * ({@link AgentWatchSocket}) by {@link AgentOwners}' rule, with the token from either header. The check is bound to
 * those endpoints, so every path that reaches them (a trailing slash, a double slash) passes it; everyone else gets
 * the 404 an unknown device gets, a bad query a 400, and a terminal on an agent that is not connected a 428, all
 * with the common JSON error body and before any upgrade.
 */
@ApplicationScoped
// Before the endpoints' @RolesAllowed check (Integer.MAX_VALUE - 100), whose refusals carry no body: a missing or
// refused token is a 401 here, with the common error body.
@Priority(Integer.MAX_VALUE - 50)
public class AgentSocketAccess implements HttpUpgradeCheck {

    private static final String SOCKETS = "/api/v2/workspaceagents/*";
    private static final Set<String> CHECKED_ENDPOINTS = Set.of(PtySocket.ENDPOINT, AgentWatchSocket.ENDPOINT);

    private final AgentOwners owners;

    public AgentSocketAccess(AgentOwners owners) {
        this.owners = owners;
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return CHECKED_ENDPOINTS.contains(endpointId);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext upgrade) {
        String id = upgrade.pathParam("id");
        boolean terminal = PtySocket.ENDPOINT.equals(upgrade.endpointId());
        try {
            AgentIds.deviceUuid(id);
            if (terminal) {
                PtyRequest.parse(upgrade.httpRequest().query());
            }
        } catch (ApiException refused) {
            return Uni.createFrom().failure(refused);
        }
        // Coder's /coordinate serves clients before the agent connects; only the terminal needs it connected.
        return upgrade.securityIdentity()
                .chain(identity -> terminal ? owners.connectedDevice(identity, id) : owners.device(identity, id))
                .chain(device -> CheckResult.permitUpgrade());
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

    private static ApiException asApiException(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof AuthenticationFailedException || failure instanceof UnauthorizedException) {
            // A failure inside the identity augmentors (such as "revocations not loaded") arrives wrapped.
            return failure.getCause() instanceof ApiException api
                    ? api
                    : ApiException.unauthorized(ErrorMappers.WRONG_TOKEN);
        }
        if (failure instanceof ForbiddenException) {
            return ApiException.forbidden("this token's scopes do not allow that");
        }
        return null;
    }

    private static void answerRefusal(RoutingContext request) {
        ApiException refused = asApiException(request.failure());
        if (refused == null) {
            request.next();
            return;
        }
        if (request.response().ended()) {
            // The authentication mechanism answered this refusal already; a second answer would fail the request.
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
