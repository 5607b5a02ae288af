package dev.rigfleet.agent.iofog;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The ioFog control WebSockets, {@code /v2/control/socket/id/:id}, with the reference agent's framing: a PING whose
 * payload is {@code 0x09} gets one PONG with {@code 0x0A} ({@link PingAnswers}); a new configuration for the app is signalled as the single
 * byte {@code 0x0C}, which the app acknowledges with {@code 0x0B}; a signal not acknowledged is sent again every
 * {@code resendMillis}, at most {@value #MAX_SIGNALS} times in all. A socket for an id that is not a running
 * service's is refused with 404 before it opens. Any other frame from the app is dropped; it never closes the socket.
 */
public final class ControlSockets {

    static final byte OP_ACK = 0x0B;
    static final byte OP_NEW_CONFIG = 0x0C;
    static final int MAX_SIGNALS = 10;

    private static final Logger LOG = Logger.getLogger(ControlSockets.class.getName());

    /** A signal waiting for its acknowledgement on one socket. */
    private static final class Unacknowledged {
        int sent;
        long timer = -1;
    }

    private final Vertx vertx;
    private final long resendMillis;
    private final Predicate<String> runs;
    private final Map<String, Set<ServerWebSocket>> byApp = new ConcurrentHashMap<>();
    private final Map<ServerWebSocket, Unacknowledged> waiting = new ConcurrentHashMap<>();

    /** @param runs whether an id is a running service's, the only ids a control socket opens for */
    public ControlSockets(Vertx vertx, long resendMillis, Predicate<String> runs) {
        this.vertx = vertx;
        this.resendMillis = resendMillis;
        this.runs = runs;
    }

    /** Opens the socket for {@code appId} (what follows the route's prefix), or refuses it with 404. */
    public void accept(String appId, ServerWebSocket socket) {
        if (!runs.test(appId)) {
            socket.reject(404);
            return;
        }
        PingAnswers.install(socket);
        byApp.computeIfAbsent(appId, ignored -> ConcurrentHashMap.newKeySet()).add(socket);
        socket.frameHandler(frame -> frame(socket, frame));
        socket.closeHandler(closed -> {
            Set<ServerWebSocket> sockets = byApp.get(appId);
            if (sockets != null) {
                sockets.remove(socket);
            }
            Unacknowledged signal = waiting.remove(socket);
            if (signal != null && signal.timer >= 0) {
                vertx.cancelTimer(signal.timer);
            }
        });
    }

    /** Tells the app's open control sockets that its configuration changed. */
    public void configurationChanged(String appId) {
        byApp.getOrDefault(appId, Set.of()).forEach(socket -> {
            Unacknowledged previous = waiting.remove(socket);
            if (previous != null && previous.timer >= 0) {
                vertx.cancelTimer(previous.timer);
            }
            Unacknowledged signal = new Unacknowledged();
            waiting.put(socket, signal);
            signal(socket, signal);
        });
    }

    /** How many control sockets the app has open. */
    public int open(String appId) {
        return byApp.getOrDefault(appId, Set.of()).size();
    }

    private void signal(ServerWebSocket socket, Unacknowledged signal) {
        if (waiting.get(socket) != signal) {
            return; // acknowledged, replaced or closed meanwhile
        }
        if (signal.sent >= MAX_SIGNALS) {
            waiting.remove(socket, signal);
            LOG.warning("An app did not acknowledge its new configuration after " + MAX_SIGNALS + " signals");
            return;
        }
        signal.sent++;
        socket.writeBinaryMessage(Buffer.buffer(new byte[] {OP_NEW_CONFIG}));
        signal.timer = vertx.setTimer(resendMillis, ignored -> signal(socket, signal));
    }

    private void frame(ServerWebSocket socket, WebSocketFrame frame) {
        if (frame.isBinary()
                && frame.binaryData().length() >= 1
                && frame.binaryData().getByte(0) == OP_ACK) {
            Unacknowledged signal = waiting.remove(socket);
            if (signal != null && signal.timer >= 0) {
                vertx.cancelTimer(signal.timer);
            }
        }
    }
}
