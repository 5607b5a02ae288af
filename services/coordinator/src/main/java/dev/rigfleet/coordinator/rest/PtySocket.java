package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.coordinator.service.DeviceStream;
import dev.rigfleet.coordinator.service.DeviceStreams;
import dev.rigfleet.proto.agent.StreamOpen;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/v2/workspaceagents/{id}/pty}: a terminal on the device, relayed over its agent's link. As Coder's:
 * the client sends JSON {@code {"data": ..., "height": ..., "width": ...}} (text or binary frames; a non-zero
 * height and width resize the terminal), the device's output comes back as raw bytes in binary frames. Access is
 * decided at the upgrade ({@link AgentSocketAccess}); the session lives on the device and outlasts this socket,
 * so the same {@code reconnect} id reattaches.
 */
@WebSocket(path = "/api/v2/workspaceagents/{id}/pty", endpointId = PtySocket.ENDPOINT)
@RolesAllowed(Caller.USER_SCOPE)
public class PtySocket {

    static final String ENDPOINT = "agent-pty";

    /** WebSocket close codes: "try again later" and "internal error". */
    private static final int UNAVAILABLE = 1013;

    private static final int FAILED = 1011;
    private static final int INVALID = 1007;

    private final DeviceStreams streams;
    private final ObjectMapper json;
    private final Map<String, Uni<DeviceStream>> byConnection = new ConcurrentHashMap<>();

    public PtySocket(DeviceStreams streams, ObjectMapper json) {
        this.streams = streams;
        this.json = json;
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        String uuid = AgentIds.deviceUuid(connection.pathParam("id"));
        PtyRequest request = PtyRequest.parse(connection.handshakeRequest().query());
        DeviceStream.Listener toClient = new DeviceStream.Listener() {
            @Override
            public void data(byte[] bytes, Runnable consumed) {
                connection.sendBinary(Buffer.buffer(bytes)).subscribe().with(sent -> consumed.run(), e -> {});
            }

            @Override
            public void closed(String reason) {
                close(connection, 1000, reason);
            }
        };
        Uni<DeviceStream> stream = streams.open(uuid, StreamOpen.newBuilder().setPty(request.target()), toClient)
                .onFailure(DeviceCommands.DeviceOffline.class)
                .invoke(e -> close(connection, UNAVAILABLE, "the agent is not connected"))
                .onFailure(DeviceStreams.StreamRefused.class)
                .invoke(e -> close(connection, FAILED, e.getMessage()))
                .memoize()
                .indefinitely();
        byConnection.put(connection.id(), stream);
        stream.subscribe().with(opened -> {}, e -> {});
    }

    @OnTextMessage
    public Uni<Void> text(String message, WebSocketConnection connection) {
        return input(message.getBytes(StandardCharsets.UTF_8), connection);
    }

    @OnBinaryMessage
    public Uni<Void> binary(byte[] message, WebSocketConnection connection) {
        return input(message, connection);
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        Uni<DeviceStream> stream = byConnection.remove(connection.id());
        if (stream != null) {
            stream.subscribe().with(opened -> opened.close("the client left"), e -> {});
        }
    }

    /** One client frame; the next is taken once the device has credit for this one. */
    private Uni<Void> input(byte[] message, WebSocketConnection connection) {
        JsonNode frame;
        try {
            frame = json.readTree(message);
        } catch (Exception e) {
            frame = null;
        }
        if (frame == null || !frame.isObject()) {
            close(connection, INVALID, "frames are JSON objects {\"data\", \"height\", \"width\"}");
            return Uni.createFrom().voidItem();
        }
        byte[] data = frame.path("data").asText("").getBytes(StandardCharsets.UTF_8);
        int height = frame.path("height").asInt(0);
        int width = frame.path("width").asInt(0);
        Uni<DeviceStream> stream = byConnection.get(connection.id());
        if (stream == null) {
            return Uni.createFrom().voidItem();
        }
        return stream.onFailure().recoverWithNull().chain(opened -> {
            if (opened == null) {
                return Uni.createFrom().voidItem();
            }
            if (height > 0 && width > 0 && height <= PtyRequest.MAX_SIZE && width <= PtyRequest.MAX_SIZE) {
                opened.resize(width, height);
            }
            if (data.length == 0 || opened.write(data)) {
                return Uni.createFrom().voidItem();
            }
            return Uni.createFrom().emitter(emitter -> opened.whenWritable(() -> emitter.complete(null)));
        });
    }

    private static void close(WebSocketConnection connection, int code, String reason) {
        // A close reason is at most 123 bytes.
        String shortReason = reason.length() > 120 ? reason.substring(0, 120) : reason;
        connection
                .close(new CloseReason(code, shortReason))
                .subscribe()
                .with(ok -> {}, e -> Log.debugf("Could not close PTY socket %s: %s", connection.id(), e.getMessage()));
    }
}
