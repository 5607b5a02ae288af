package dev.rigfleet.instances.rest;

import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.instances.client.Workspaces;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Relays a refusal of the workspaces service (an allocation's) to the user as it came, with this request's id, and
 * with {@code result_message} (the Python client reads it before {@code error}).
 */
public class RefusalMapper {

    @ServerExceptionMapper
    public Response relay(Workspaces.Refused refused) {
        JsonObject body = refused.body().copy();
        String text = body.getString("result_message", body.getString("error_message", body.getString("error")));
        body.put("result_message", text);
        body.put("request_id", RequestIds.current());
        return Response.status(refused.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body.encode())
                .build();
    }
}
