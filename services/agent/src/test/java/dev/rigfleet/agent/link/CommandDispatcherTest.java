package dev.rigfleet.agent.link;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.iofog.IoFogServer;
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
import java.util.ArrayList;
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

    @Inject
    IoFogServer iofog;

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
        // An app: another process, listening on a port of its own.
        Process app = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import socket, sys\n"
                                + "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
                                + "print(s.getsockname()[1], flush=True); sys.stdin.read()")
                .start();
        try {
            int appPort = Integer.parseInt(app.inputReader().readLine().trim());
            CommandResponse answer = run("GET", "/rigfleet/v1/listening-ports");

            assertEquals(200, answer.getStatus());
            assertTrue(answer.getContentType().startsWith("application/json"), answer.getContentType());
            List<Integer> listed = new ArrayList<>();
            for (JsonNode port : json.readTree(answer.getBody().toByteArray()).path("ports")) {
                assertEquals("tcp", port.path("network").asText());
                listed.add(port.path("port").asInt());
            }
            assertTrue(listed.contains(appPort), "an app's port is listed: " + listed);
            // As Coder's agent: not its own APIs.
            assertFalse(listed.contains(RestAssured.port), "the supervisor API's port is left out: " + listed);
            assertFalse(listed.contains(iofog.port()), "the ioFog API's port is left out: " + listed);
        } finally {
            app.destroy();
        }
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

    @Test
    void pingAndHealthyAreAnsweredInTheAgentExactlyAsPort48484AnswersThem() throws Exception {
        for (String path : List.of("/ping", "/v1/healthy")) {
            CommandRequest request = CommandRequest.newBuilder()
                    .setCommandId("contract-" + path)
                    .setMethod("GET")
                    .setPath(path)
                    .build();
            CommandResponse here = commands.dispatch(request)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            CommandResponse there = commands.passThrough(request)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            assertEquals(there.getStatus(), here.getStatus(), path);
            assertEquals(there.getContentType(), here.getContentType(), path);
            assertEquals(there.getBody().toStringUtf8(), here.getBody().toStringUtf8(), path);
        }
        // Only the pass-through calls reached the API; any other spelling still goes there.
        assertEquals(List.of("GET /ping", "GET /v1/healthy"), SEEN_ON_48484);
        assertEquals(200, run("GET", "/ping?probe=1").getStatus());
        assertEquals(List.of("GET /ping", "GET /v1/healthy", "GET /ping"), SEEN_ON_48484);
    }
}
