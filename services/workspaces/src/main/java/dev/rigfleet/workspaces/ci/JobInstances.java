package dev.rigfleet.workspaces.ci;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** A job's instance through the instances service's API, as its owner: asked for, looked at, terminated. */
@ApplicationScoped
public class JobInstances {

    private final InstancesApi api;

    public JobInstances(@RestClient InstancesApi api) {
        this.api = api;
    }

    /** {@code POST /new/:target}: {@code {success, id}} when answered so, else the error body. */
    JsonObject create(JobToken token, String target, JsonObject ask) {
        return body(() -> api.create(token.authorization(), target, ask.encode()), false);
    }

    /** {@code GET /instance/:id}; empty while the instance is not made yet (its reservation queued). */
    JsonObject instance(JobToken token, UUID id) {
        return body(() -> api.instance(token.authorization(), id.toString()), true);
    }

    /** {@code POST /terminate/:id}: its status code (404 for an instance never made). */
    int terminate(JobToken token, UUID id) {
        try (Response answer = answer(() -> api.terminate(token.authorization(), id.toString()))) {
            return answer.getStatus();
        }
    }

    private static JsonObject body(Supplier<Response> call, boolean notFoundIsEmpty) {
        try (Response answer = answer(call)) {
            String text = answer.readEntity(String.class);
            if ((notFoundIsEmpty && answer.getStatus() == 404) || text == null || text.isBlank()) {
                return new JsonObject();
            }
            return new JsonObject(text);
        } catch (DecodeException e) {
            return new JsonObject().put("error_message", "the instances service answered something not JSON");
        }
    }

    /** The answer whatever its status: a refusal is an outcome for the job, not an exception. */
    private static Response answer(Supplier<Response> call) {
        try {
            return call.get();
        } catch (WebApplicationException refused) {
            return refused.getResponse();
        }
    }
}
