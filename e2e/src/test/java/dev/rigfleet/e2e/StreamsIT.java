package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.RawRequests;
import dev.rigfleet.common.testing.TestTokens;
import io.restassured.http.ContentType;
import java.net.MalformedURLException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Streams over the device link with a real agent process: terminals and tunnels opened through one coordinator
 * replica while the agent is held by the other, so that every byte also crosses the bus.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamsIT {

    private static final Duration REACH = Duration.ofSeconds(20);
    private static final long HUNDRED_MB = 100L * 1024 * 1024;
    private static final Stack stack = Stack.get();
    /** Terminals run as this user: never root, as the agent's documentation promises. */
    private static final String SESSION_USER =
            "root".equals(System.getProperty("user.name")) ? "nobody" : System.getProperty("user.name");

    private static String token;
    private static String uuid;
    private static ServiceProcess agent;

    @BeforeAll
    static void startAnAgentOnCoordinatorB() throws Exception {
        token = Accounts.newUserToken(stack);
        Fleets fleet = Fleets.create(stack, token, "stream-rigs", 1);
        Path stateDir = Files.createTempDirectory("rigfleet-agent");
        agent = ServiceProcess.start(
                "agent",
                "agent-streams",
                Map.of(
                        "rigfleet.agent.servers", stack.coordinatorB.url(),
                        "rigfleet.agent.provisioning-url", stack.registryA.url(),
                        "rigfleet.agent.provisioning-key", fleet.provisioningKey(),
                        "rigfleet.agent.state-dir", stateDir.toString(),
                        "rigfleet.agent.session-user", SESSION_USER,
                        "rigfleet.agent.pty-idle-timeout", "1m",
                        "rigfleet.agent.iofog-port", "0",
                        "rigfleet.agent.iofog-key-file",
                                stateDir.resolve("local-api").toString()));
        uuid = Fleets.awaitOnlyDeviceOnline(stack, token, fleet.appId(), REACH);
    }

    @AfterAll
    static void stopTheAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    @Order(1)
    void aTerminalRunsCommandsAtItsSizeAndReplaysItsOutputToWhoReattaches() throws Exception {
        String session = UUID.randomUUID().toString();
        String query = "reconnect=" + session + "&width=101&height=33&command=/bin/sh";
        try (TerminalClient terminal = TerminalClient.open(stack.coordinatorA.url(), uuid, query, token)) {
            // Computed on the device, so the echo of the typed line cannot pass for it.
            terminal.type("echo hello-$((6*7))");
            terminal.awaitOutput("hello-42");
            terminal.type("stty size");
            terminal.awaitOutput("33 101");
            terminal.type("id -un");
            terminal.awaitOutput("\n" + SESSION_USER);
            terminal.send("{\"data\":\"stty size\\n\",\"height\":40,\"width\":132}");
            terminal.awaitOutput("40 132");
        }

        try (TerminalClient again =
                TerminalClient.open(stack.coordinatorA.url(), uuid, "reconnect=" + session, token)) {
            again.awaitOutput("hello-42");
            again.awaitOutput("40 132");
            again.type("echo still-$((1+1))");
            again.awaitOutput("still-2");
            again.type("exit");
            assertTrue(
                    again.closed().get(20, TimeUnit.SECONDS).startsWith("1000 "),
                    again.closed().get());
        }
    }

    @Test
    @Order(2)
    void aTerminalIsOnlyForTheDevicesOwner() {
        String stranger = Accounts.newUserToken(stack);
        URL coordinator = url(stack.coordinatorA.url());
        String pty = "/api/v2/workspaceagents/" + uuid + "/pty";
        for (String path : new String[] {pty, pty + "/", pty + "//", pty + "/?command=id"}) {
            RawRequests.Answer answer = RawRequests.upgrade(coordinator, path, stranger);
            assertEquals(404, answer.status(), path);
            assertTrue(answer.body().contains("\"error_message\":\"no agent " + uuid + "\""), answer.body());
        }
        RawRequests.Answer badWidth = RawRequests.upgrade(coordinator, pty + "?width=0", token);
        assertEquals(400, badWidth.status());
        assertTrue(badWidth.body().contains("width"), badWidth.body());
        RawRequests.Answer anonymous = RawRequests.upgrade(coordinator, pty, null);
        assertEquals(401, anonymous.status());
        assertTrue(anonymous.body().contains("wrong authorization token"), anonymous.body());
    }

    private static URL url(String address) {
        try {
            return new URL(address);
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    @Order(3)
    void aTunnelCarriesHundredMegabytesByteForByte() throws Exception {
        double splicedOnA = splicedStreams(stack.coordinatorA);
        double splicedOnB = splicedStreams(stack.coordinatorB);
        try (ServerSocket echo = Tunnelling.echoServer()) {
            Map<String, Object> tunnel = openTunnel(stack.coordinatorA, echo.getLocalPort());
            try (Socket socket = new Socket((String) tunnel.get("host"), (Integer) tunnel.get("port"))) {
                assertEquals(-1, Tunnelling.roundTrip(socket, HUNDRED_MB), "first wrong byte");
            }
            closeTunnel(stack.coordinatorA, tunnel);
        }
        // The agent dials its splice to the replica it is linked to, which did not offer it: the bytes ran as frames.
        assertEquals(splicedOnA, splicedStreams(stack.coordinatorA));
        assertEquals(splicedOnB, splicedStreams(stack.coordinatorB));
    }

    @Test
    @Order(3)
    void aTunnelOnTheReplicaHoldingTheAgentIsSplicedAndCarriesHundredMegabytesByteForByte() throws Exception {
        double spliced = splicedStreams(stack.coordinatorB);
        try (ServerSocket echo = Tunnelling.echoServer()) {
            Map<String, Object> tunnel = openTunnel(stack.coordinatorB, echo.getLocalPort());
            try (Socket socket = new Socket((String) tunnel.get("host"), (Integer) tunnel.get("port"))) {
                assertEquals(-1, Tunnelling.roundTrip(socket, HUNDRED_MB), "first wrong byte");
            }
            closeTunnel(stack.coordinatorB, tunnel);
        }
        assertEquals(spliced + 1, splicedStreams(stack.coordinatorB));
    }

    @Test
    @Order(4)
    void aStalledTunnelDoesNotHoldUpAnother() throws Exception {
        stallOneAndMoveAnother(stack.coordinatorA, 64L * 1024 * 1024);
    }

    @Test
    @Order(4)
    void aStalledSplicedTunnelDoesNotHoldUpAnother() throws Exception {
        // TCP's flow control holds a spliced stream back: what the sockets' buffers on the way take (tens of MB on
        // loopback) is all that goes, so the stalled writer must be given more than that.
        stallOneAndMoveAnother(stack.coordinatorB, 512L * 1024 * 1024);
    }

    private static void stallOneAndMoveAnother(ServiceProcess coordinator, long stalledLength) throws Exception {
        try (ServerSocket echo = Tunnelling.echoServer()) {
            Map<String, Object> tunnel = openTunnel(coordinator, echo.getLocalPort());
            String host = (String) tunnel.get("host");
            int port = (Integer) tunnel.get("port");
            try (Socket stalled = new Socket(host, port);
                    Socket moving = new Socket(host, port)) {
                // Nobody reads the stalled one's echo, so its credit runs out and its writer blocks.
                AtomicLong stalledWritten = new AtomicLong();
                Thread writer = new Thread(() -> {
                    try {
                        Tunnelling.write(stalled.getOutputStream(), stalledLength, stalledWritten);
                    } catch (Exception e) {
                        // reported by the check below
                    }
                });
                writer.setDaemon(true);
                writer.start();
                await().atMost(REACH).until(() -> stalledWritten.get() > 0);

                assertEquals(-1, Tunnelling.roundTrip(moving, HUNDRED_MB), "first wrong byte");
                // Held back, the writer stops: no growth between two looks half a second apart.
                AtomicLong lastSeen = new AtomicLong(-1);
                await().atMost(REACH)
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> lastSeen.getAndSet(stalledWritten.get()) == stalledWritten.get());
                assertTrue(
                        stalledWritten.get() < stalledLength,
                        "the stalled tunnel took everything (" + stalledWritten.get() + " bytes): no flow control");

                // Once read, the stalled tunnel's bytes all come back, in order.
                assertEquals(-1, Tunnelling.readAndCheck(stalled.getInputStream(), stalledLength));
                writer.join(20_000);
            }
            closeTunnel(coordinator, tunnel);
        }
    }

    @Test
    @Order(5)
    void theCoordinateRouteTellsTheOwnerWhenTheAgentComesAndGoes() throws Exception {
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        URI uri = URI.create(stack.coordinatorA.url().replaceFirst("^http", "ws") + "/api/v2/workspaceagents/" + uuid
                + "/coordinate");
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        messages.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                })
                .get(20, TimeUnit.SECONDS);
        String first = messages.poll(20, TimeUnit.SECONDS);
        assertTrue(first != null && first.contains("\"online\":true"), String.valueOf(first));

        agent.close();
        String next = messages.poll(30, TimeUnit.SECONDS);
        assertTrue(next != null && next.contains("\"online\":false"), String.valueOf(next));
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }

    private static Map<String, Object> openTunnel(ServiceProcess coordinator, int devicePort) {
        return given().header("Authorization", TestTokens.service("instances"))
                .contentType(ContentType.JSON)
                .body(Map.of("device", uuid, "port", devicePort))
                .post(coordinator.url() + "/internal/tunnels")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getMap("");
    }

    private static void closeTunnel(ServiceProcess coordinator, Map<String, Object> tunnel) {
        given().header("Authorization", TestTokens.service("instances"))
                .delete(coordinator.url() + "/internal/tunnels/" + tunnel.get("id"))
                .then()
                .statusCode(204);
    }

    /** The replica's count of streams that ran over a splice connection. */
    private static double splicedStreams(ServiceProcess coordinator) {
        String metrics = given().get(coordinator.url() + "/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return metrics.lines()
                .filter(line -> line.startsWith("rigfleet_streams_spliced_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no rigfleet_streams_spliced_total in /q/metrics"));
    }
}
