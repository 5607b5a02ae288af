package dev.rigfleet.agent.iofog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.apps.ConfigsChanged;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import dev.rigfleet.agent.config.AgentConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The ioFog-compatible local API: a second HTTP server the agent starts (on 127.0.0.1:54321 by default) beside the
 * supervisor API. Apps reach it as {@code http://iofog:54321} and identify themselves by their service uuid, handed
 * to them as {@code SELFNAME}. The app routes ({@code /v2/config/get}, the control and message sockets, the message
 * routes) need no key, as in the reference agent; the agent-management routes need the raw {@code Authorization}
 * key of {@link IoFogKey}.
 */
@ApplicationScoped
public class IoFogServer {

    private final Vertx vertx;
    private final AgentConfig config;
    private final DeviceApps apps;
    private final IoFogAgentRoutes agentRoutes;
    private final IoFogMessages messages;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ControlSockets control;
    private HttpServer server;

    public IoFogServer(AgentConfig config, DeviceApps apps, IoFogAgentRoutes agentRoutes, IoFogMessages messages) {
        // A Vert.x of its own, one event loop: the agent's Vert.x meters its one HTTP server, and Micrometer refuses
        // a second server's meters with other tags (the agent's HTTP server then never starts).
        this.vertx = Vertx.vertx(
                new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
        this.config = config;
        this.apps = apps;
        this.agentRoutes = agentRoutes;
        this.messages = messages;
        this.control = new ControlSockets(vertx, config.iofogResendInterval().toMillis(), id -> runs(apps, id));
    }

    void start(@Observes StartupEvent started) {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create().setBodyLimit(1024 * 1024));
        router.post("/v2/config/get").handler(json(this::configGet));
        messages.install(router);
        agentRoutes.install(router);
        // Known paths with another method: 405, as the reference agent answers.
        router.route()
                .handler(request ->
                        IoFogAnswers.error(request, known(request.normalizedPath()) ? 405 : 404, "no such endpoint"));
        // What fails on the way (a body past the limit, a bug) answers in the same shape, never Vert.x's text.
        router.route().failureHandler(failed -> {
            int status = failed.statusCode() > 0 ? failed.statusCode() : 500;
            if (failed.failure() != null) {
                Log.warnf(
                        "ioFog API %s failed: %s",
                        failed.normalizedPath(), failed.failure().toString());
            }
            IoFogAnswers.error(failed, status, status == 413 ? "the body is too large" : "the request failed");
        });
        server = vertx.createHttpServer(new HttpServerOptions().setHost(config.iofogHost()))
                .webSocketHandler(socket -> {
                    // The raw path (not decoded, not normalised); each socket's accept refuses an id that is not
                    // exactly a running service's, so encodings and dot segments never name one.
                    String path = socket.path();
                    if (path.startsWith("/v2/control/socket/id/")) {
                        control.accept(path.substring("/v2/control/socket/id/".length()), socket);
                    } else if (path.startsWith("/v2/message/socket/id/")) {
                        messages.accept(path.substring("/v2/message/socket/id/".length()), socket, vertx);
                    } else {
                        socket.reject(404);
                    }
                })
                .requestHandler(router);
        server.listen(config.iofogPort())
                .onSuccess(listening -> Log.infof("ioFog API on %s:%d", config.iofogHost(), listening.actualPort()))
                .onFailure(e -> Log.errorf(
                        "Could not start the ioFog API on %s:%d: %s",
                        config.iofogHost(), config.iofogPort(), e.getMessage()))
                .toCompletionStage()
                .toCompletableFuture()
                .join();
    }

    void stop(@Observes ShutdownEvent stopping) {
        vertx.close();
    }

    /** The port it listens on (the configured one, or the one picked for port 0). */
    public int port() {
        return server.actualPort();
    }

    /** Tells the apps over their control sockets that their configuration changed. */
    void configurationChanged(@Observes ConfigsChanged changed) {
        changed.serviceUuids().forEach(control::configurationChanged);
    }

    private void configGet(RoutingContext request, JsonNode body) {
        String id = body.path("id").asText("");
        Optional<ServiceSpec> service = apps.current().service(id);
        if (service.isEmpty()) {
            IoFogAnswers.error(request, 400, "no microservice " + id + " runs on this device");
            return;
        }
        IoFogAnswers.json(
                request, 200, Map.of("status", "okay", "config", service.get().config()));
    }

    /**
     * Whether {@code id} is the uuid of a service of the release the device runs, exactly as its target state spells
     * it (the registry's uuids are lower-case): the id an app may open its sockets with. Anything else — another case,
     * a trailing slash, {@code ;params}, percent-encodings, dot segments — names no service.
     */
    static boolean runs(DeviceApps apps, String id) {
        return !id.isEmpty() && apps.current().service(id).isPresent();
    }

    /** Wraps a handler that takes a JSON body: any other content type, or a body that is not an object, is 400. */
    static Handler<RoutingContext> json(BiConsumer<RoutingContext, JsonNode> handler) {
        return request -> {
            String type = request.request().getHeader("Content-Type");
            if (type == null || !type.toLowerCase().startsWith("application/json")) {
                IoFogAnswers.error(request, 400, "send the body as application/json");
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(request.body().asString());
            } catch (Exception e) {
                body = null;
            }
            if (body == null || !body.isObject()) {
                IoFogAnswers.error(request, 400, "the body must be a JSON object");
                return;
            }
            handler.accept(request, body);
        };
    }

    private static boolean known(String path) {
        return Set.of(
                        "/v2/config/get",
                        "/v2/messages/new",
                        "/v2/messages/next",
                        "/v2/messages/query",
                        "/v2/status",
                        "/v2/info",
                        "/v2/version",
                        "/v2/provision",
                        "/v2/deprovision",
                        "/v2/config",
                        "/v2/prune")
                .contains(path);
    }
}
