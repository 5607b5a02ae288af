package dev.rigfleet.agent.link;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StateAck;
import dev.rigfleet.proto.agent.Welcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's side of the protocol against a scripted coordinator on loopback: what the agent sends, buffers and
 * refuses to repeat. The real coordinator and this connection meet in e2e.
 */
class AgentConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private Vertx vertx;
    private HttpServer coordinator;
    private final BlockingQueue<AgentFrame> heard = new LinkedBlockingQueue<>();
    private final AtomicReference<ServerWebSocket> current = new AtomicReference<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger commandsRun = new AtomicInteger();
    /** The report interval the scripted coordinator's welcome announces. */
    private volatile int reportIntervalSeconds = 60;

    private AgentConnection agent;

    @BeforeEach
    void startCoordinator() throws Exception {
        vertx = Vertx.vertx();
        coordinator = listen(0);
    }

    /** A scripted coordinator: welcomes every hello, and keeps what it hears. */
    private HttpServer listen(int port) throws Exception {
        return vertx.createHttpServer()
                .webSocketHandler(socket -> {
                    connections.incrementAndGet();
                    current.set(socket);
                    socket.binaryMessageHandler(bytes -> {
                        AgentFrame frame = parse(bytes);
                        heard.add(frame);
                        if (frame.hasHello()) {
                            send(ServerFrame.newBuilder()
                                    .setWelcome(Welcome.newBuilder()
                                            .setProtocolVersion(1)
                                            .setEpoch(connections.get())
                                            .setReportIntervalSeconds(reportIntervalSeconds))
                                    .build());
                        }
                    });
                })
                .listen(port, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        vertx.close();
    }

    private AgentConnection connect(int reportBuffer) {
        URI server = URI.create("ws://127.0.0.1:" + coordinator.actualPort());
        agent = new AgentConnection(
                vertx,
                "a".repeat(32),
                "c".repeat(64),
                "test",
                new LinkSettings(List.of(server), Optional.empty(), false, Duration.ofMillis(500), reportBuffer),
                new AgentConnection.Handler() {
                    @Override
                    public void targetState(long version, String json) {}

                    @Override
                    public Future<CommandResponse> command(CommandRequest request) {
                        commandsRun.incrementAndGet();
                        return Future.succeededFuture(
                                CommandResponse.newBuilder().setStatus(200).build());
                    }
                });
        agent.start();
        return agent;
    }

    @Test
    void theAgentSaysHelloWithItsIdentityAndProtocol() throws Exception {
        connect(10);
        AgentFrame hello = next();
        assertEquals(1, hello.getHello().getProtocolVersion());
        assertEquals("a".repeat(32), hello.getHello().getDeviceUuid());
        await().atMost(WAIT).until(agent::isConnected);
        assertEquals(1, agent.epoch());
    }

    @Test
    void reportsMadeOfflineAreSentAfterReconnectingAndOnlyTheBoundIsKept() throws Exception {
        connect(2);
        next();
        await().atMost(WAIT).until(agent::isConnected);
        int port = coordinator.actualPort();
        coordinator.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> !agent.isConnected());

        agent.report("{\"n\":1}");
        agent.report("{\"n\":2}");
        agent.report("{\"n\":3}");
        coordinator = listen(port);

        await().atMost(WAIT).until(agent::isConnected);
        AgentFrame first = nextOf(AgentFrame.BodyCase.STATE_REPORT);
        AgentFrame second = nextOf(AgentFrame.BodyCase.STATE_REPORT);
        assertEquals("{\"n\":2}", first.getStateReport().getJson().toStringUtf8());
        assertEquals("{\"n\":3}", second.getStateReport().getJson().toStringUtf8());
        assertEquals(1, agent.droppedReports());

        // Acknowledged reports are not sent again after the next reconnect; the others are.
        send(ServerFrame.newBuilder()
                .setStateAck(StateAck.newBuilder()
                        .setSequence(second.getStateReport().getSequence()))
                .build());
        agent.report("{\"n\":4}");
        nextOf(AgentFrame.BodyCase.STATE_REPORT);
        int before = connections.get();
        current.get().close();
        await().atMost(WAIT).until(() -> connections.get() > before && agent.isConnected());
        assertEquals(
                "{\"n\":4}",
                nextOf(AgentFrame.BodyCase.STATE_REPORT)
                        .getStateReport()
                        .getJson()
                        .toStringUtf8());
    }

    @Test
    void aCommandIdRunsOnce() throws Exception {
        connect(10);
        next();
        await().atMost(WAIT).until(agent::isConnected);
        ServerFrame command = ServerFrame.newBuilder()
                .setCommandRequest(CommandRequest.newBuilder()
                        .setCommandId("c-1")
                        .setMethod("POST")
                        .setPath("/v1/reboot"))
                .build();

        send(command);
        assertEquals(
                200,
                nextOf(AgentFrame.BodyCase.COMMAND_RESPONSE)
                        .getCommandResponse()
                        .getStatus());
        send(command);
        CommandResponse repeat = nextOf(AgentFrame.BodyCase.COMMAND_RESPONSE).getCommandResponse();

        assertEquals(409, repeat.getStatus());
        assertEquals("c-1", repeat.getCommandId());
        assertEquals(1, commandsRun.get());
    }

    @Test
    void aCoordinatorThatStopsAnsweringIsLeftAndDialledAgain() throws Exception {
        // This coordinator never answers pings: to the agent it looks like a host that vanished.
        reportIntervalSeconds = 1;
        connect(10);
        next();
        await().atMost(WAIT).until(agent::isConnected);

        await().atMost(WAIT).until(() -> connections.get() >= 2);
    }

    private void send(ServerFrame frame) {
        current.get().writeBinaryMessage(Buffer.buffer(frame.toByteArray()));
    }

    private AgentFrame next() throws InterruptedException {
        AgentFrame frame = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("the agent sent nothing within " + WAIT);
        }
        return frame;
    }

    private AgentFrame nextOf(AgentFrame.BodyCase kind) throws InterruptedException {
        AgentFrame frame = next();
        while (frame.getBodyCase() != kind) {
            frame = next();
        }
        return frame;
    }

    private static AgentFrame parse(Buffer bytes) {
        try {
            return AgentFrame.parseFrom(bytes.getBytes());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
