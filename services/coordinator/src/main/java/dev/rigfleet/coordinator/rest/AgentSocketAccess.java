package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorBody;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.coordinator.client.RegistryClient;
import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;

/**
 * Decides, before the upgrade, who may open the WebSockets {@code GET /{id}/pty} and {@code /{id}/coordinate}: the
 * device's owner and admins, as the registry sees the caller's token. Everyone else gets the 404 an unknown device
 * gets, and a bad query a 400, both with the common JSON error body (an upgrade refused later could carry none).
 */
@ApplicationScoped
public class AgentSocketAccess {

    private final RegistryClient registry;

    public AgentSocketAccess(RegistryClient registry) {
        this.registry = registry;
    }

    /**
     * Where {@code /{id}/coordinate} is served. WebSockets Next would match {@code /me/coordinate} (the agent's own
     * route) with a {@code /{id}/coordinate} endpoint too, so the clients' route is rerouted here once access is
     * decided. The ingress routes nothing under {@code /internal}.
     */
    static final String WATCH_PATH = "/internal/agent-watch/";

    private static final String CHECKED = "rigfleet.agent-access-checked";

    void install(@Observes Router router) {
        // Just after the body limit, before the WebSocket routes and their security checks.
        router.routeWithRegex(HttpMethod.GET, "/api/v2/workspaceagents/([^/]+)/(pty|coordinate)")
                .order(Integer.MIN_VALUE + 1)
                .handler(this::check);
        router.routeWithRegex(HttpMethod.GET, WATCH_PATH + "([^/]+)")
                .order(Integer.MIN_VALUE + 1)
                .handler(this::check);
    }

    private void check(RoutingContext request) {
        String id = request.pathParam("param0");
        if ("me".equals(id) || request.get(CHECKED) != null) {
            request.next(); // the agent's own connection, authenticated by its credential; or checked already
            return;
        }
        String uuid;
        try {
            uuid = AgentIds.deviceUuid(id);
            if ("pty".equals(request.pathParam("param1"))) {
                PtyRequest.parse(request.request().query());
            }
        } catch (ApiException refused) {
            answer(request, refused);
            return;
        }
        Context context = Vertx.currentContext();
        registry.deviceAsSeenBy(request.request().getHeader(HttpHeaders.AUTHORIZATION), uuid)
                .subscribe()
                .with(
                        owned -> context.runOnContext(ignored -> {
                            request.put(CHECKED, Boolean.TRUE);
                            if ("coordinate".equals(request.pathParam("param1"))) {
                                request.reroute(WATCH_PATH + uuid);
                            } else {
                                request.next();
                            }
                        }),
                        failure -> context.runOnContext(ignored -> answer(request, refusal(id, failure))));
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

    private static void answer(RoutingContext request, ApiException refused) {
        String requestId = RequestIds.acceptable(request.request().getHeader(RequestIds.HEADER));
        request.response()
                .setStatusCode(refused.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Json.encode(new ErrorBody(refused.getMessage(), refused.code(), refused.status(), requestId)));
    }
}
