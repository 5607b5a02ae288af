package dev.rigfleet.agent.link;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.supervisor.SupervisorKey;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The platform's commands by kind: native ones answered by the agent itself, the rest passed to port 48484. */
@QuarkusTest
class CommandDispatcherTest {

    /** Every request port 48484's handlers see, in this test JVM. */
    static final List<String> SEEN_ON_48484 = new CopyOnWriteArrayList<>();

    @Provider
    @PreMatching
    public static class SeenOn48484 implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            SEEN_ON_48484.add(
                    request.getMethod() + " /" + request.getUriInfo().getPath().replaceFirst("^/+", ""));
        }
    }

    @Inject
    CommandDispatcher commands;

    @Inject
    SupervisorKey key;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void forget() {
        SEEN_ON_48484.clear();
    }

    private CommandResponse run(String method, String path) throws Exception {
        return commands.dispatch(CommandRequest.newBuilder()
                        .setCommandId("c-" + path)
                        .setMethod(method)
                        .setPath(path)
                        .build())
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void aNativeCommandIsAnsweredByTheAgentAndNeverReachesPort48484() throws Exception {
        CommandResponse answer = run("GET", "/rigfleet/v1/listening-ports");

        assertEquals(200, answer.getStatus());
        assertTrue(answer.getContentType().startsWith("application/json"), answer.getContentType());
        JsonNode ports = json.readTree(answer.getBody().toByteArray()).path("ports");
        boolean thisApi = false;
        for (JsonNode port : ports) {
            assertEquals("tcp", port.path("network").asText());
            thisApi |= port.path("port").asInt() == RestAssured.port;
        }
        assertTrue(thisApi, "the supervisor API's own port is listed: " + ports);
        assertEquals(List.of(), SEEN_ON_48484);
    }

    @Test
    void nativeRoutesAreNotServedOnPort48484() {
        given().auth()
                .oauth2(key.current())
                .get("/rigfleet/v1/listening-ports")
                .then()
                .statusCode(404);
    }

    @Test
    void anUnknownNativeCommandIsA404AndAWrongMethodA405WithoutReachingPort48484() throws Exception {
        assertEquals(404, run("GET", "/rigfleet/v1/nothing").getStatus());
        assertEquals(405, run("POST", "/rigfleet/v1/listening-ports").getStatus());
        assertEquals(List.of(), SEEN_ON_48484);
    }

    @Test
    void everythingElsePassesThroughToTheSupervisorApiWithTheAgentsKey() throws Exception {
        CommandResponse answer = run("GET", "/v1/device");

        assertEquals(200, answer.getStatus());
        assertTrue(json.readTree(answer.getBody().toByteArray()).has("supervisor_version"));
        assertEquals(List.of("GET /v1/device"), SEEN_ON_48484);
    }
}
