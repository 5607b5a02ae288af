package dev.rigfleet.agent.iofog;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The control socket's framing, with a re-send interval short enough to watch it give up; only {@code app-1} runs.
 */
class ControlSocketsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PREFIX = "/v2/control/socket/id/";

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    private record Client(WebSocket socket, List<Byte> signals, List<Buffer> pongs) {}

    private static ControlSockets controlSockets(Vertx vertx, long resendMillis) {
        return new ControlSockets(vertx, resendMillis, "app-1"::equals);
    }

    private HttpServer serve(ControlSockets control) throws Exception {
        return vertx.createHttpServer()
                .webSocketHandler(socket -> control.accept(socket.path().substring(PREFIX.length()), socket))
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private Client connect(ControlSockets control) throws Exception {
        HttpServer server = serve(control);
        WebSocketClient client = vertx.createWebSocketClient();
        WebSocket socket = client.connect(server.actualPort(), "127.0.0.1", PREFIX + "app-1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        List<Byte> signals = new CopyOnWriteArrayList<>();
        List<Buffer> pongs = new CopyOnWriteArrayList<>();
        socket.frameHandler((WebSocketFrame frame) -> {
            if (frame.isBinary()) {
                signals.add(frame.binaryData().getByte(0));
            }
        });
        socket.pongHandler(pongs::add);
        await().atMost(WAIT).until(() -> control.open("app-1") == 1);
        return new Client(socket, signals, pongs);
    }

    @Test
    void aNewConfigurationIsSignalledUntilAcknowledged() throws Exception {
        ControlSockets control = controlSockets(vertx, 200);
        Client client = connect(control);
        control.configurationChanged("app-1");
        await().atMost(WAIT).until(() -> client.signals().size() >= 2); // unacknowledged: sent again
        assertEquals(ControlSockets.OP_NEW_CONFIG, client.signals().get(0));

        client.socket().writeBinaryMessage(Buffer.buffer(new byte[] {ControlSockets.OP_ACK}));
        int afterAck = client.signals().size();
        // For three re-send intervals, nothing more may come.
        await().during(Duration.ofMillis(600))
                .atMost(WAIT)
                .until(() -> client.signals().size() == afterAck);
    }

    @Test
    void anUnacknowledgedSignalIsSentTenTimesAtMost() throws Exception {
        ControlSockets control = controlSockets(vertx, 50);
        Client client = connect(control);
        control.configurationChanged("app-1");
        // Ten, and then for six more intervals no more: it gave up.
        await().atMost(WAIT).until(() -> client.signals().size() == ControlSockets.MAX_SIGNALS);
        await().during(Duration.ofMillis(300))
                .atMost(WAIT)
                .until(() -> client.signals().size() == ControlSockets.MAX_SIGNALS);
    }

    @Test
    void aPingOfNineGetsExactlyOnePongOfTen() throws Exception {
        Client client = connect(controlSockets(vertx, 20_000));
        client.socket().writePing(Buffer.buffer(new byte[] {PingAnswers.OP_PING}));
        await().atMost(WAIT).until(() -> !client.pongs().isEmpty());
        await().during(Duration.ofMillis(500))
                .atMost(WAIT)
                .until(() -> client.pongs().size() == 1);
        assertEquals(
                Buffer.buffer(new byte[] {PingAnswers.OP_PONG}), client.pongs().get(0));
    }

    @Test
    void aMalformedFrameLeavesTheSocketOpen() throws Exception {
        ControlSockets control = controlSockets(vertx, 20_000);
        Client client = connect(control);
        client.socket().writeBinaryMessage(Buffer.buffer(new byte[] {0x42, 0x00}));
        client.socket().writeTextMessage("not a control frame");
        control.configurationChanged("app-1");
        await().atMost(WAIT).until(() -> client.signals().contains(ControlSockets.OP_NEW_CONFIG));
        assertEquals(1, control.open("app-1"));
    }

    @Test
    void aSocketForAnIdThatRunsNothingIsRefusedWith404() throws Exception {
        ControlSockets control = controlSockets(vertx, 20_000);
        HttpServer server = serve(control);
        WebSocketClient client = vertx.createWebSocketClient();
        ExecutionException failed = assertThrows(
                ExecutionException.class,
                () -> client.connect(server.actualPort(), "127.0.0.1", PREFIX + "app-2")
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS));
        assertEquals(
                404,
                assertInstanceOf(UpgradeRejectedException.class, failed.getCause())
                        .getStatus());
        assertEquals(0, control.open("app-2"));
    }
}
