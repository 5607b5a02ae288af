package dev.rigfleet.coordinator;

import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.Hello;
import dev.rigfleet.proto.agent.ServerFrame;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw agent for the coordinator's tests: it speaks the protocol frame by frame and keeps what it hears. */
final class TestAgent implements AutoCloseable {

    final BlockingQueue<ServerFrame> heard = new LinkedBlockingQueue<>();
    volatile Short closeCode;
    private final WebSocketClient client;
    private final WebSocket socket;

    private TestAgent(WebSocketClient client, WebSocket socket) {
        this.client = client;
        this.socket = socket;
    }

    /** Connects with the credential (as Coder-Session-Token) or fails as the upgrade does. */
    static TestAgent connect(Vertx vertx, URI base, String credential) throws Exception {
        return connect(vertx, base, credential == null ? null : "Coder-Session-Token", credential);
    }

    /** Connects with one authentication header, or none. */
    static TestAgent connect(Vertx vertx, URI base, String header, String value) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient();
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost(base.getHost())
                .setPort(base.getPort())
                .setURI("/api/v2/workspaceagents/me/coordinate");
        if (header != null) {
            options.addHeader(header, value);
        }
        WebSocket socket = client.connect(options)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        TestAgent agent = new TestAgent(client, socket);
        socket.binaryMessageHandler(buffer -> {
            try {
                agent.heard.add(ServerFrame.parseFrom(buffer.getBytes()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        socket.closeHandler(ignored -> agent.closeCode = socket.closeStatusCode());
        return agent;
    }

    void send(AgentFrame frame) throws Exception {
        socket.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(frame.toByteArray()))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    void hello(String uuid) throws Exception {
        send(AgentFrame.newBuilder()
                .setHello(Hello.newBuilder()
                        .setProtocolVersion(1)
                        .setAgentVersion("test")
                        .setDeviceUuid(uuid))
                .build());
    }

    /** The next frame, or a failure after the wait. */
    ServerFrame next(Duration wait) throws InterruptedException {
        ServerFrame frame = heard.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame from the coordinator within " + wait);
        }
        return frame;
    }

    @Override
    public void close() {
        socket.close();
        client.close();
    }
}
