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
import dev.rigfleet.proto.agent.Stats;
import dev.rigfleet.proto.agent.StreamClose;
import dev.rigfleet.proto.agent.StreamData;
import dev.rigfleet.proto.agent.StreamOpen;
import dev.rigfleet.proto.agent.StreamOpened;
import dev.rigfleet.proto.agent.StreamWindow;
import dev.rigfleet.proto.agent.TargetAck;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One agent's connection home. A plain object with no shared state, so that one JVM can run many (the benchmarks
 * simulate thousands of agents per process): it dials the servers in turn, authenticates with the device credential,
 * says hello, stores and acknowledges target states, answers commands, and sends state reports until acknowledged,
 * buffering them while offline. Between attempts it waits as {@link Backoff} says: a random time up to an
 * exponentially growing cap ("full jitter"), so that agents coming back after an outage spread out.
 *
 * <p>All state is touched only on the one Vert.x context the connection took when it was made.
 */
public final class AgentConnection implements AutoCloseable {

    public static final int PROTOCOL_VERSION = 1;
    public static final String SESSION_TOKEN_HEADER = "Coder-Session-Token";
    /** The coordinator's close code for a deprovisioned device. */
    public static final int DEPROVISIONED = 4003;

    private static final String COORDINATE_PATH = "/api/v2/workspaceagents/me/coordinate";
    private static final int REMEMBERED_COMMANDS = 1024;
    private static final Logger LOG = Logger.getLogger(AgentConnection.class.getName());

    /** What the agent does with what the coordinator sends. */
    public interface Handler {

        /** Applies (for now: stores) a target state; called once per version. */
        void targetState(long version, String json);

        /** Runs a command on the device's local API. */
        Future<CommandResponse> command(CommandRequest request);

        /** Opens what a stream reaches on the device, its output going to {@code output}. */
        default Future<DeviceEndpoint> openStream(StreamOpen open, DeviceEndpoint.Output output) {
            return Future.failedFuture("this agent opens no streams");
        }
    }

    /** Bytes the platform may send on a stream before this agent grants more. */
    public static final int STREAM_WINDOW = 256 * 1024;
    /** The most bytes one data frame carries, well under the WebSocket frame limits of both ends. */
    private static final int MAX_FRAME_DATA = 16 * 1024;

    /**
     * A stream's state on this side: credit the platform granted for output, bytes taken from the platform not yet
     * granted back, and output that arrived before the stream was confirmed open. Touched on the context only.
     */
    private final class Stream implements DeviceEndpoint.Output {
        final String id;
        long credit;
        long consumed;
        DeviceEndpoint endpoint;
        boolean paused;
        boolean closed;
        /** Waiting for the splice connection: output is held in {@link #early} meanwhile. */
        boolean splicing;

        final Deque<Buffer> early = new ArrayDeque<>();

        Stream(String id, long credit) {
            this.id = id;
            this.credit = credit;
        }

        @Override
        public void data(Buffer bytes) {
            context.runOnContext(ignored -> output(this, bytes));
        }

        @Override
        public void closed(String reason) {
            context.runOnContext(ignored -> endedOnDevice(this, reason));
        }
    }

    private final Vertx vertx;
    private final Context context;
    private final String deviceUuid;
    private final String credential;
    private final String agentVersion;
    private final LinkSettings settings;
    private final Handler handler;
    private final WebSocketClient client;
    private SpliceDialer splices;
    private URI connectedServer;
    private final Deque<StateReport> unacknowledged = new ArrayDeque<>();
    private final Set<String> ranCommands = new LinkedHashSet<>();
    private final AtomicLong droppedReports = new AtomicLong();
    private final Map<String, Stream> streams = new HashMap<>();
    private long rxBytes;
    private long txBytes;
    private long commandsAnswered;

    private WebSocket socket;
    private volatile boolean welcomed;
    private volatile long epoch;
    private volatile boolean closed;
    private long nextSequence = 1;
    private long appliedTargetVersion = -1;
    private int serverIndex;
    private final Backoff backoff;
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
        this.backoff = new Backoff(settings.maxBackoff());
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
            closeStreams();
            if (socket != null) {
                socket.close();
            }
            client.close();
            if (splices != null) {
                splices.close();
            }
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
        client.connect(options)
                .onSuccess(opened -> {
                    connectedServer = server;
                    opened(opened);
                })
                .onFailure(failure -> {
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
                        .addCapabilities("supervisor-api")
                        .addCapabilities("pty")
                        .addCapabilities("tunnel"))
                .build());
    }

    private void received(Buffer bytes) {
        lastHeardMillis = System.currentTimeMillis();
        rxBytes += bytes.length();
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
            case STREAM_OPEN -> openStream(frame.getStreamOpen());
            case STREAM_DATA -> {
                Stream stream = streams.get(frame.getStreamData().getStreamId());
                if (stream != null && stream.endpoint != null) {
                    Buffer data = Buffer.buffer(frame.getStreamData().getData().toByteArray());
                    stream.endpoint.write(data, () -> context.runOnContext(ignored -> consumed(stream, data.length())));
                }
            }
            case STREAM_WINDOW -> {
                Stream stream = streams.get(frame.getStreamWindow().getStreamId());
                if (stream != null) {
                    stream.credit += frame.getStreamWindow().getBytes();
                    if (stream.paused && stream.credit > 0) {
                        stream.paused = false;
                        stream.endpoint.resume();
                    }
                }
            }
            case STREAM_RESIZE -> {
                Stream stream = streams.get(frame.getStreamResize().getStreamId());
                if (stream != null && stream.endpoint != null) {
                    stream.endpoint.resize(
                            frame.getStreamResize().getWidth(),
                            frame.getStreamResize().getHeight());
                }
            }
            case STREAM_CLOSE -> {
                Stream stream = streams.remove(frame.getStreamClose().getStreamId());
                if (stream != null) {
                    stream.closed = true;
                    if (stream.endpoint != null) {
                        stream.endpoint.close();
                    }
                }
            }
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
        backoff.reset();
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
            send(AgentFrame.newBuilder()
                    .setStats(Stats.newBuilder()
                            .setRxBytes(rxBytes)
                            .setTxBytes(txBytes)
                            .setNumComms(commandsAnswered)
                            .setOpenStreams(streams.size()))
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
                .onSuccess(response -> context.runOnContext(ignored -> {
                    commandsAnswered++;
                    send(AgentFrame.newBuilder()
                            .setCommandResponse(response.toBuilder().setCommandId(request.getCommandId()))
                            .build());
                }));
    }

    private void openStream(StreamOpen open) {
        String id = open.getStreamId();
        if (id.isEmpty() || streams.containsKey(id)) {
            return;
        }
        Stream stream = new Stream(id, open.getWindow());
        streams.put(id, stream);
        handler.openStream(open, stream)
                .onComplete(opened -> context.runOnContext(ignored -> {
                    if (opened.failed()) {
                        streams.remove(id);
                        sendClose(id, opened.cause().getMessage());
                        return;
                    }
                    if (stream.closed) {
                        opened.result().close(); // the platform gave up meanwhile
                        return;
                    }
                    stream.endpoint = opened.result();
                    if (open.getSplice().isEmpty()) {
                        confirmOpened(stream, false);
                    } else {
                        splice(stream, open.getSplice());
                    }
                }));
    }

    /**
     * Opens the splice the coordinator offered and moves the stream onto it; when it cannot be had (an older
     * coordinator, a proxy in front that refuses the upgrade, another replica behind the same address), the stream
     * runs over the link as frames. The endpoint is paused meanwhile, so that its bytes keep their order.
     */
    private void splice(Stream stream, String secret) {
        if (splices == null) {
            splices = new SpliceDialer(vertx, settings, credential);
        }
        stream.splicing = true;
        stream.endpoint.pause();
        splices.dial(connectedServer, secret)
                .onComplete(dialled -> context.runOnContext(ignored -> {
                    stream.splicing = false;
                    if (stream.closed) {
                        if (dialled.succeeded()) {
                            dialled.result().close();
                        }
                        return;
                    }
                    if (dialled.succeeded()) {
                        NetSocket splice = dialled.result();
                        while (!stream.early.isEmpty()) {
                            splice.write(stream.early.removeFirst());
                        }
                        if (stream.endpoint.spliceTo(splice)) {
                            confirmOpened(stream, true);
                            return;
                        }
                        splice.close();
                    } else {
                        LOG.log(Level.FINE, "Stream {0} runs over the link: {1}", new Object[] {
                            stream.id, dialled.cause().getMessage()
                        });
                    }
                    confirmOpened(stream, false);
                    stream.endpoint.resume();
                }));
    }

    private void confirmOpened(Stream stream, boolean spliced) {
        send(AgentFrame.newBuilder()
                .setStreamOpened(StreamOpened.newBuilder()
                        .setStreamId(stream.id)
                        .setWindow(STREAM_WINDOW)
                        .setSpliced(spliced))
                .build());
        while (!stream.early.isEmpty()) {
            output(stream, stream.early.removeFirst());
        }
    }

    private void output(Stream stream, Buffer bytes) {
        if (stream.closed) {
            return;
        }
        if (stream.endpoint == null || stream.splicing) {
            stream.early.addLast(bytes);
            return;
        }
        for (int offset = 0; offset < bytes.length(); offset += MAX_FRAME_DATA) {
            Buffer chunk = bytes.getBuffer(offset, Math.min(bytes.length(), offset + MAX_FRAME_DATA));
            send(AgentFrame.newBuilder()
                    .setStreamData(StreamData.newBuilder()
                            .setStreamId(stream.id)
                            .setData(ByteString.copyFrom(chunk.getBytes())))
                    .build());
        }
        stream.credit -= bytes.length();
        if (stream.credit <= 0 && !stream.paused) {
            stream.paused = true;
            stream.endpoint.pause();
        }
    }

    private void consumed(Stream stream, int bytes) {
        if (stream.closed) {
            return;
        }
        stream.consumed += bytes;
        // Credit goes back in a few large grants rather than one per frame.
        if (stream.consumed >= STREAM_WINDOW / 4) {
            send(AgentFrame.newBuilder()
                    .setStreamWindow(
                            StreamWindow.newBuilder().setStreamId(stream.id).setBytes((int) stream.consumed))
                    .build());
            stream.consumed = 0;
        }
    }

    private void endedOnDevice(Stream stream, String reason) {
        if (streams.remove(stream.id, stream)) {
            stream.closed = true;
            sendClose(stream.id, reason);
        }
    }

    private void sendClose(String id, String reason) {
        send(AgentFrame.newBuilder()
                .setStreamClose(StreamClose.newBuilder().setStreamId(id).setReason(String.valueOf(reason)))
                .build());
    }

    /** The link is gone, and with it every stream over it; terminal sessions live on, detached. */
    private void closeStreams() {
        streams.values().forEach(stream -> {
            stream.closed = true;
            if (stream.endpoint != null) {
                stream.endpoint.close();
            }
        });
        streams.clear();
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
        closeStreams();
        serverIndex++;
        retryLater();
    }

    private void retryLater() {
        if (closed) {
            return;
        }
        vertx.setTimer(backoff.next(), ignored -> dial());
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
            byte[] bytes = frame.toByteArray();
            txBytes += bytes.length;
            current.writeBinaryMessage(Buffer.buffer(bytes));
        }
    }
}
