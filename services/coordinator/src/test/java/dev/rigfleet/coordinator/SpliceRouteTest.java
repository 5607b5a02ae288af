package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StreamOpen;
import dev.rigfleet.proto.agent.StreamOpened;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The splice route, where an agent brings the connection for one tunnel stream's raw bytes: only the device the stream
 * was offered to, only once, only as an upgrade, whatever shape the path takes; and a stream whose agent does not
 * splice runs as frames. Spliced tunnels with a real agent run in e2e (StreamsIT).
 */
@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class SpliceRouteTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String INSTANCES = TestTokens.service("instances");
    private static final String SPLICE = "/api/v2/workspaceagents/me/splice/";

    @TestHTTPResource("/")
    URL server;

    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    /** A device's agent, dialled home, with a tunnel to its port 22 and a client connected to the tunnel. */
    private final class TunnelledAgent implements AutoCloseable {
        final String uuid;
        final String credential;
        final TestAgent agent;
        final Map<String, Object> tunnel;
        final Socket client;
        final StreamOpen open;

        TunnelledAgent() throws Exception {
            String[] device = RegistryStub.enrolNewDevice();
            uuid = device[0];
            credential = device[1];
            agent = TestAgent.connect(vertx, base, credential);
            agent.hello(uuid);
            agent.next(WAIT);
            agent.next(WAIT);
            tunnel = given().header("Authorization", INSTANCES)
                    .contentType(ContentType.JSON)
                    .body(Map.of("device", uuid, "port", 22))
                    .post("/internal/tunnels")
                    .then()
                    .statusCode(201)
                    .extract()
                    .jsonPath()
                    .getMap("");
            client = new Socket((String) tunnel.get("host"), (Integer) tunnel.get("port"));
            client.setSoTimeout((int) WAIT.toMillis());
            ServerFrame frame = agent.next(WAIT);
            assertTrue(frame.hasStreamOpen(), frame.toString());
            open = frame.getStreamOpen();
        }

        void answerOpened(boolean spliced) throws Exception {
            agent.send(AgentFrame.newBuilder()
                    .setStreamOpened(StreamOpened.newBuilder()
                            .setStreamId(open.getStreamId())
                            .setWindow(1 << 20)
                            .setSpliced(spliced))
                    .build());
        }

        @Override
        public void close() throws IOException {
            client.close();
            agent.close();
            given().header("Authorization", INSTANCES)
                    .delete("/internal/tunnels/" + tunnel.get("id"))
                    .then()
                    .statusCode(204);
        }
    }

    /** An upgrade's answer: the connection when it was switched (101), else the status and the error body. */
    private record Upgrade(int status, String body, Socket socket) {}

    private Upgrade splice(String rawPath, String credentialLine, boolean upgrade) throws IOException {
        return splice(
                rawPath,
                credentialLine,
                upgrade ? "Connection: Upgrade\r\nUpgrade: rigfleet-splice\r\n" : "Connection: close\r\n");
    }

    private Upgrade splice(String rawPath, String credentialLine, String upgradeLines) throws IOException {
        Socket socket = new Socket(server.getHost(), server.getPort());
        socket.setSoTimeout((int) WAIT.toMillis());
        String request = "GET " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + upgradeLines + credentialLine + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        String head = HeaderRequests.head(in);
        int status = Integer.parseInt(head.split(" ", 3)[1]);
        if (status == 101) {
            // RFC 9110: a 101 names the protocol switched to.
            assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("\r\nupgrade: rigfleet-splice\r\n"), head);
            return new Upgrade(status, "", socket);
        }
        try (socket) {
            return new Upgrade(
                    status,
                    new String(in.readNBytes(HeaderRequests.contentLength(head)), StandardCharsets.UTF_8),
                    null);
        }
    }

    private static String asAgent(String credential) {
        return "Coder-Session-Token: " + credential + "\r\n";
    }

    private static void assertErrorBody(Upgrade answer, int status) {
        assertEquals(status, answer.status(), answer.body());
        assertTrue(answer.body().contains("\"status\":" + status), answer.body());
        assertTrue(answer.body().contains("\"error_message\":"), answer.body());
    }

    @Test
    void aTunnelStreamOffersASpliceThatCarriesItsBytesBothWaysOnce() throws Exception {
        try (TunnelledAgent device = new TunnelledAgent()) {
            assertTrue(device.open.getSplice().matches("[0-9a-f]{32}"), device.open.getSplice());
            Upgrade splice = splice(SPLICE + device.open.getSplice(), asAgent(device.credential), true);
            assertEquals(101, splice.status(), splice.body());
            try (Socket agentSide = splice.socket()) {
                device.answerOpened(true);
                byte[] up = "from the client".getBytes(StandardCharsets.UTF_8);
                device.client.getOutputStream().write(up);
                assertArrayEquals(up, agentSide.getInputStream().readNBytes(up.length));
                byte[] down = "from the device".getBytes(StandardCharsets.UTF_8);
                agentSide.getOutputStream().write(down);
                assertArrayEquals(down, device.client.getInputStream().readNBytes(down.length));

                assertErrorBody(splice(SPLICE + device.open.getSplice(), asAgent(device.credential), true), 404);

                // The device ending its side ends the client's.
                agentSide.shutdownOutput();
                assertEquals(-1, device.client.getInputStream().read());
            }
        }
    }

    @Test
    void aSpliceIsRefusedToAnotherDeviceToNoCredentialAndToAPlainRequestWhateverShapeThePathTakes() throws Exception {
        String[] stranger = RegistryStub.enrolNewDevice();
        String user = TestTokens.user(java.util.UUID.randomUUID().toString(), "user");
        try (TunnelledAgent device = new TunnelledAgent()) {
            String secret = device.open.getSplice();
            for (String path : List.of(
                    SPLICE + secret,
                    SPLICE + secret + "/",
                    SPLICE + secret + "//",
                    SPLICE + secret + ";x=1",
                    SPLICE + ";x=1/" + secret,
                    "/api/v2/workspaceagents/me;x=1/splice/" + secret,
                    "/api/v2/workspaceagents//me/splice/" + secret,
                    "/api/v2/workspaceagents/me/splice%2F" + secret,
                    "/api/v2/workspaceagents/%6De/splice/" + secret,
                    "/api/v2/workspaceagents/me/splice/./" + secret,
                    "/api/v2/workspaceagents/x/../me/splice/" + secret,
                    "/API/v2/workspaceagents/me/splice/" + secret,
                    SPLICE + secret.toUpperCase(java.util.Locale.ROOT),
                    SPLICE + secret + "?x=1")) {
                for (String credential : List.of(
                        asAgent(stranger[1]),
                        "Authorization: Bearer " + stranger[1] + "\r\n",
                        asAgent(user),
                        "Authorization: Bearer " + user + "\r\n",
                        asAgent("not-a-credential"),
                        "")) {
                    Upgrade answer = splice(path, credential, true);
                    assertNotEquals(101, answer.status(), path + " with " + credential);
                    assertTrue(
                            List.of(400, 401, 403, 404).contains(answer.status()),
                            path + " with " + credential + " answered " + answer.status() + " " + answer.body());
                    assertTrue(answer.body().contains("\"error_message\":"), answer.body());
                }
            }
            assertErrorBody(splice(SPLICE + secret, asAgent(stranger[1]), true), 404);
            assertErrorBody(splice(SPLICE + secret, "", true), 401);
            assertErrorBody(splice(SPLICE + secret, asAgent("not-a-credential"), true), 401);
            assertErrorBody(splice(SPLICE + secret, asAgent(user), true), 403);
            assertErrorBody(splice(SPLICE + secret, asAgent(device.credential), false), 400);
            assertErrorBody(
                    splice(
                            SPLICE + secret,
                            asAgent(device.credential),
                            "Connection: close\r\nUpgrade: rigfleet-splice\r\n"),
                    400);
            assertErrorBody(
                    splice(
                            SPLICE + secret,
                            asAgent(device.credential),
                            "Connection: Upgrade\r\nUpgrade: websocket\r\n"),
                    400);
            assertErrorBody(splice(SPLICE + "0".repeat(32), asAgent(device.credential), true), 404);
            assertErrorBody(splice(SPLICE + "%00" + secret, asAgent(device.credential), true), 404);

            // None of that used the offer up: the device it was made to still takes it.
            Upgrade splice = splice(SPLICE + secret, asAgent(device.credential), true);
            assertEquals(101, splice.status(), splice.body());
            splice.socket().close();
        }
    }

    @Test
    void aStreamWhoseAgentDoesNotSpliceRunsAsFramesAndItsOfferIsWithdrawn() throws Exception {
        try (TunnelledAgent device = new TunnelledAgent()) {
            device.answerOpened(false);
            byte[] up = "as frames".getBytes(StandardCharsets.UTF_8);
            device.client.getOutputStream().write(up);
            ByteArrayOutputStream relayed = new ByteArrayOutputStream();
            while (relayed.size() < up.length) {
                ServerFrame frame = device.agent.next(WAIT);
                if (frame.hasStreamData()) {
                    assertEquals(
                            device.open.getStreamId(), frame.getStreamData().getStreamId());
                    relayed.write(frame.getStreamData().getData().toByteArray());
                }
            }
            assertArrayEquals(up, relayed.toByteArray());
            assertErrorBody(splice(SPLICE + device.open.getSplice(), asAgent(device.credential), true), 404);
            assertFalse(device.client.isClosed());
        }
    }
}
