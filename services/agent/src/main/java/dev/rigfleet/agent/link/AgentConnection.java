package dev.rigfleet.agent.link;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.agent.Hello;
import dev.rigfleet.proto.agent.Ping;
import dev.rigfleet.proto.agent.Pong;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StateReport;
import dev.rigfleet.proto.agent.TargetAck;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One agent's connection home. A plain object with no shared state, so that one JVM can run many (the benchmarks
 * simulate thousands of agents per process): it dials the servers in turn, authenticates with the device credential,
 * says hello, stores and acknowledges target states, answers commands, and sends state reports until acknowledged,
 * buffering them while offline. Between attempts it waits a random time up to an exponentially growing cap
 * ("full jitter"), so that agents coming back after an outage spread out.
 *
 * <p>All state is touched only on the one Vert.x context the connection took when it was made.
 */
public final class AgentConnection implements AutoCloseable {

    public static final int PROTOCOL_VERSION = 1;
    public static final String SESSION_TOKEN_HEADER = "Coder-Session-Token";
    /** The coordinator's close code for a deprovisioned device. */
    public static final int DEPROVISIONED = 4003;

    private static final String COORDINATE_PATH = "/api/v2/workspaceagents/me/coordinate";
    private static final long FIRST_BACKOFF_MS = 250;
    private static final int REMEMBERED_COMMANDS = 1024;
    private static final Logger LOG = Logger.getLogger(AgentConnection.class.getName());

    /** What the agent does with what the coordinator sends. */
    public interface Handler {

        /** Applies (for now: stores) a target state; called once per version. */
        void targetState(long version, String json);

        /** Runs a command on the device's local API. */
        Future<CommandResponse> command(CommandRequest request);
    }

    private final Vertx vertx;
    private final Context context;
    private final String deviceUuid;
    private final String credential;
    private final String agentVersion;
    private final LinkSettings settings;
    private final Handler handler;
    private final WebSocketClient client;
    private final Deque<StateReport> unacknowledged = new ArrayDeque<>();
    private final Set<String> ranCommands = new LinkedHashSet<>();
    private final AtomicLong droppedReports = new AtomicLong();

    private WebSocket socket;
    private volatile boolean welcomed;
    private volatile long epoch;
    private volatile boolean closed;
    private long nextSequence = 1;
    private long appliedTargetVersion = -1;
    private int serverIndex;
    private int attempt;
    private long pingTimer = -1;
    private long lastHeardMillis;

    public AgentConnection(
            Vertx vertx,
            String deviceUuid,
            String credential,
            String agentVersion,
            LinkSettings settings,
            Handler handler) {
        this.vertx = vertx;
        // One event loop for everything this connection does, so its state needs no locks.
        this.context = vertx.getOrCreateContext();
        this.deviceUuid = deviceUuid;
        this.credential = credential;
        this.agentVersion = agentVersion;
        this.settings = settings;
        this.handler = handler;
        WebSocketClientOptions options = new WebSocketClientOptions();
        settings.caFile().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
        this.client = vertx.createWebSocketClient(options);
    }

    /** Starts dialling; returns at once. */
    public void start() {
        context.runOnContext(ignored -> dial());
    }

    /** Whether the coordinator has welcomed this connection. */
    public boolean isConnected() {
        return welcomed;
    }

    /** The epoch of the current connection, 0 while not connected. */
    public long epoch() {
        return welcomed ? epoch : 0;
    }

    /** Reports sent while offline beyond the buffer, dropped oldest first. */
    public long droppedReports() {
        return droppedReports.get();
    }

    /** Sends the device's state; re-sent (also after reconnects) until the coordinator acknowledges it. */
    public void report(String stateJson) {
        context.runOnContext(ignored -> {
            StateReport report = StateReport.newBuilder()
                    .setSequence(nextSequence++)
                    .setJson(ByteString.copyFromUtf8(stateJson))
                    .build();
            if (unacknowledged.size() >= settings.reportBuffer()) {
                unacknowledged.removeFirst();
                droppedReports.incrementAndGet();
            }
            unacknowledged.addLast(report);
            if (welcomed) {
                send(AgentFrame.newBuilder().setStateReport(report).build());
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        context.runOnContext(ignored -> {
            cancelPings();
            if (socket != null) {
                socket.close();
            }
            client.close();
        });
    }

    private void dial() {
        if (closed) {
            return;
        }
        List<URI> servers = settings.servers();
        URI server = servers.get(serverIndex % servers.size());
        boolean tls = "wss".equals(server.getScheme()) || "https".equals(server.getScheme());
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost(server.getHost())
                .setPort(server.getPort() > 0 ? server.getPort() : tls ? 443 : 80)
                .setSsl(tls)
                .setURI(pathPrefix(server) + COORDINATE_PATH)
                .addHeader(SESSION_TOKEN_HEADER, credential);
        client.connect(options).onSuccess(this::opened).onFailure(failure -> {
            LOG.log(Level.WARNING, "Could not reach {0}: {1}", new Object[] {server, failure.getMessage()});
            serverIndex++;
            retryLater();
        });
    }

    /** A server URL may carry a path under which the platform is served, e.g. https://example.org/rigfleet. */
    private static String pathPrefix(URI server) {
        String path = server.getRawPath();
        return path == null ? "" : path.replaceAll("/+$", "");
    }

    private void opened(WebSocket opened) {
        socket = opened;
        opened.binaryMessageHandler(this::received);
        opened.closeHandler(ignored -> lost(opened));
        opened.exceptionHandler(failure -> LOG.log(Level.FINE, "Connection failed: {0}", failure.getMessage()));
        send(AgentFrame.newBuilder()
                .setHello(Hello.newBuilder()
                        .setProtocolVersion(PROTOCOL_VERSION)
                        .setAgentVersion(agentVersion)
                        .setDeviceUuid(deviceUuid)
                        .addCapabilities("supervisor-api"))
                .build());
    }

    private void received(Buffer bytes) {
        lastHeardMillis = System.currentTimeMillis();
        ServerFrame frame;
        try {
            frame = ServerFrame.parseFrom(bytes.getBytes());
        } catch (InvalidProtocolBufferException e) {
            LOG.warning("Dropped a frame that is not a coordinator frame");
            return;
        }
        switch (frame.getBodyCase()) {
            case WELCOME ->
                welcome(frame.getWelcome().getEpoch(), frame.getWelcome().getReportIntervalSeconds());
            case REFUSAL ->
                LOG.warning("The coordinator refused this agent: "
                        + frame.getRefusal().getReason()
                        + " (it speaks protocol " + frame.getRefusal().getMinProtocolVersion() + " to "
                        + frame.getRefusal().getMaxProtocolVersion() + ", this agent " + PROTOCOL_VERSION + ")");
            case TARGET_STATE -> {
                long version = frame.getTargetState().getVersion();
                // Versions only grow: an older push arriving late is acknowledged but not applied.
                if (version > appliedTargetVersion) {
                    handler.targetState(
                            version, frame.getTargetState().getJson().toStringUtf8());
                    appliedTargetVersion = version;
                }
                send(AgentFrame.newBuilder()
                        .setTargetAck(TargetAck.newBuilder().setVersion(version))
                        .build());
            }
            case STATE_ACK ->
                unacknowledged.removeIf(
                        report -> report.getSequence() <= frame.getStateAck().getSequence());
            case COMMAND_REQUEST -> command(frame.getCommandRequest());
            case PING ->
                send(AgentFrame.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setSentAtEpochMs(frame.getPing().getSentAtEpochMs()))
                        .build());
            case PONG, BODY_NOT_SET -> {}
        }
    }

    private void welcome(long welcomedEpoch, int reportIntervalSeconds) {
        welcomed = true;
        epoch = welcomedEpoch;
        attempt = 0;
        unacknowledged.forEach(
                report -> send(AgentFrame.newBuilder().setStateReport(report).build()));
        cancelPings();
        long interval = Math.max(1, reportIntervalSeconds) * 1000L;
        pingTimer = vertx.setPeriodic(interval, ignored -> {
            // Every ping is answered: a coordinator silent for three intervals is gone without having closed
            // (a crashed host, a dead NAT mapping), so this side closes and dials again.
            if (System.currentTimeMillis() - lastHeardMillis > 3 * interval) {
                LOG.warning("The coordinator has been silent for " + 3 * interval / 1000 + " s; reconnecting");
                WebSocket silent = socket;
                if (silent != null) {
                    silent.close();
                }
                return;
            }
            send(AgentFrame.newBuilder()
                    .setPing(Ping.newBuilder().setSentAtEpochMs(System.currentTimeMillis()))
                    .build());
            // Reports still unacknowledged (the coordinator could not store them yet) go again.
            unacknowledged.forEach(report ->
                    send(AgentFrame.newBuilder().setStateReport(report).build()));
        });
    }

    /** Runs each command id at most once: a command re-routed after a reconnect is answered, not run again. */
    private void command(CommandRequest request) {
        if (!ranCommands.add(request.getCommandId())) {
            send(AgentFrame.newBuilder()
                    .setCommandResponse(CommandResponse.newBuilder()
                            .setCommandId(request.getCommandId())
                            .setStatus(409)
                            .setContentType("application/json")
                            .setBody(ByteString.copyFromUtf8("{\"error_message\":\"command ran already\"}")))
                    .build());
            return;
        }
        if (ranCommands.size() > REMEMBERED_COMMANDS) {
            ranCommands.remove(ranCommands.iterator().next());
        }
        handler.command(request)
                .recover(failure -> Future.succeededFuture(CommandResponse.newBuilder()
                        .setStatus(500)
                        .setContentType("application/json")
                        .setBody(ByteString.copyFromUtf8("{\"error_message\":\"the agent failed to run the command\"}"))
                        .build()))
                .onSuccess(response -> send(AgentFrame.newBuilder()
                        .setCommandResponse(response.toBuilder().setCommandId(request.getCommandId()))
                        .build()));
    }

    private void lost(WebSocket which) {
        if (which != socket) {
            return;
        }
        if (which.closeStatusCode() != null && which.closeStatusCode() == DEPROVISIONED) {
            LOG.severe("This device has been deprovisioned: its credential no longer works; not dialling again");
            closed = true;
        }
        socket = null;
        welcomed = false;
        cancelPings();
        serverIndex++;
        retryLater();
    }

    private void retryLater() {
        if (closed) {
            return;
        }
        long cap = Math.min(settings.maxBackoff().toMillis(), FIRST_BACKOFF_MS << Math.min(attempt++, 16));
        long delay = 1 + ThreadLocalRandom.current().nextLong(cap);
        vertx.setTimer(delay, ignored -> dial());
    }

    private void cancelPings() {
        if (pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
            pingTimer = -1;
        }
    }

    private void send(AgentFrame frame) {
        WebSocket current = socket;
        if (current != null) {
            current.writeBinaryMessage(Buffer.buffer(frame.toByteArray()));
        }
    }
}
