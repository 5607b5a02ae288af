package dev.rigfleet.agent.supervisor;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A request that no endpoint of port 48484 takes gets the supervisor API's failure shape, {@code
 * {"status":"failed","message":...}}, instead of the framework's page: this route comes after every other.
 */
@ApplicationScoped
public class UnknownRoutes {

    void install(@Observes Router router) {
        router.route()
                .order(Integer.MAX_VALUE)
                .handler(request -> request.response()
                        .setStatusCode(404)
                        .putHeader("Content-Type", "application/json")
                        .end("{\"status\":\"failed\",\"message\":\"Not found\"}"));
    }
}
