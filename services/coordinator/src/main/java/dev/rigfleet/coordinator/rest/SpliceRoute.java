package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorMappers;
import dev.rigfleet.coordinator.auth.DeviceIdentityProvider;
import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import dev.rigfleet.coordinator.service.Splices;
import io.quarkus.logging.Log;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;

/**
 * {@code GET /api/v2/workspaceagents/me/splice/{secret}} with {@code Upgrade: rigfleet-splice}: an agent's
 * connection for one tunnel stream's bytes ({@link Splices}). The device's credential must be the one the stream was
 * offered to, the secret one that this replica offered and nobody used yet; after the 101 the connection carries the
 * stream's raw bytes. Refusals come before any upgrade, in the common JSON error body ({@link AgentSocketAccess}
 * answers the failures of every route under {@code /api/v2/workspaceagents/}).
 */
@ApplicationScoped
public class SpliceRoute {

    /** Where agents open splices; the secret follows. */
    public static final String PATH = "/api/v2/workspaceagents/me/splice/";

    public static final String PROTOCOL = "rigfleet-splice";

    private final Splices splices;

    public SpliceRoute(Splices splices) {
        this.splices = splices;
    }

    void install(@Observes Router router) {
        router.route(HttpMethod.GET, PATH + ":secret").handler(this::splice);
    }

    private void splice(RoutingContext request) {
        if (!isUpgrade(request)) {
            request.fail(notAnUpgrade());
            return;
        }
        String secret = request.pathParam("secret");
        QuarkusHttpUser.getSecurityIdentity(request, null)
                .subscribe()
                .with(
                        identity -> claim(request, secret, identity),
                        failure -> request.fail(ApiException.unauthorized(ErrorMappers.WRONG_TOKEN)));
    }

    private void claim(RoutingContext request, String secret, SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            request.fail(ApiException.unauthorized(ErrorMappers.WRONG_TOKEN));
            return;
        }
        if (!identity.hasRole(DeviceIdentityProvider.DEVICE_ROLE)) {
            // As on the agent's other routes: a valid token, but a user's.
            request.fail(new ForbiddenException());
            return;
        }
        DeviceIdentity device = identity.getAttribute(DeviceIdentityProvider.DEVICE_ATTRIBUTE);
        splices.claim(secret, device.uuid())
                .ifPresentOrElse(
                        offer -> upgrade(request)
                                .onSuccess(socket -> {
                                    // Bytes read before the tunnel's pipe takes the socket would be dropped.
                                    socket.pause();
                                    offer.arrived(socket);
                                })
                                .onFailure(failure -> {
                                    Log.infof("Splice of %s failed to upgrade: %s", device.uuid(), failure);
                                    offer.withdraw();
                                    request.fail(notAnUpgrade());
                                }),
                        () -> request.fail(ApiException.notFound("no such splice offered to this device")));
    }

    private static boolean isUpgrade(RoutingContext request) {
        String connection = request.request().getHeader(HttpHeaders.CONNECTION);
        return PROTOCOL.equalsIgnoreCase(request.request().getHeader(HttpHeaders.UPGRADE))
                && connection != null
                && connection.toLowerCase(Locale.ROOT).contains("upgrade");
    }

    private static ApiException notAnUpgrade() {
        return ApiException.badRequest("a splice is an HTTP/1.1 upgrade to " + PROTOCOL + " (Connection: Upgrade)");
    }

    private static Future<NetSocket> upgrade(RoutingContext request) {
        request.response()
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE)
                .putHeader(HttpHeaders.UPGRADE, PROTOCOL);
        return request.request().toNetSocket();
    }
}
