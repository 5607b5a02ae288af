package dev.rigfleet.agent.iofog;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * One app's open message socket and what it has not acknowledged yet. Every SDK (Java, Node, Python, Go) answers each
 * {@code 0x0D} message and each {@code 0x0E} receipt with one {@code 0x0B}, in the order they came, and an
 * acknowledgement names nothing: so each one acknowledges the oldest frame still waiting. When nothing has been
 * acknowledged for {@code resendMillis}, the messages still waiting are sent again (receipts are not: the app has
 * its message published either way); after {@code maxResends} such rounds without an acknowledgement, as the
 * reference agent gives up after ten sends, the socket is closed and its messages handed back to wait for the app.
 */
final class MessageSocket {

    /** A receipt waiting for its acknowledgement. */
    private static final Object RECEIPT = new Object();

    private final Vertx vertx;
    private final ServerWebSocket socket;
    private final long resendMillis;
    private final int maxResends;
    private final Consumer<List<IoMessage>> handBack;
    private final int timestampBytes;
    private final Deque<Object> waiting = new ArrayDeque<>();
    private int resends;
    private long timer = -1;

    /** @param handBack takes the messages still waiting when the socket gave up or closed */
    MessageSocket(
            Vertx vertx,
            ServerWebSocket socket,
            long resendMillis,
            int maxResends,
            Consumer<List<IoMessage>> handBack) {
        this.vertx = vertx;
        this.socket = socket;
        this.resendMillis = resendMillis;
        this.maxResends = maxResends;
        this.handBack = handBack;
        this.timestampBytes = receiptTimestampBytes(socket);
    }

    /**
     * The reference's receipt carries the timestamp in 8 bytes, which the Go SDK reads as a uint64 (fewer make it
     * panic) and the Java and Python SDKs read at any width. The Node SDK reads it with {@code Buffer.readUIntBE},
     * which throws past 6 bytes (uncaught, in its socket handler): so a client that opens the socket as the Node SDK's
     * {@code ws} does, offering {@code permessage-deflate} and sending no {@code User-Agent} (the Go, Java and Python
     * clients offer no extension; Go's sends its User-Agent), gets the low 6 bytes, which last until the year 10889.
     */
    static int receiptTimestampBytes(ServerWebSocket socket) {
        String extensions = socket.headers().get("Sec-WebSocket-Extensions");
        boolean nodeSdk = socket.headers().get("User-Agent") == null
                && extensions != null
                && extensions.contains("permessage-deflate");
        return nodeSdk ? 6 : Long.BYTES;
    }

    ServerWebSocket socket() {
        return socket;
    }

    synchronized void deliver(IoMessage message) {
        waiting.addLast(message);
        write(message);
        armIfIdle();
    }

    /** The receipt of a message the app published on this socket: its id and its timestamp (big-endian). */
    synchronized void receipt(IoMessage published) {
        byte[] id = published.id().getBytes(StandardCharsets.UTF_8);
        byte[] timestamp = Buffer.buffer().appendLong(published.timestamp()).getBytes(8 - timestampBytes, 8);
        waiting.addLast(RECEIPT);
        socket.writeBinaryMessage(Buffer.buffer(3 + id.length + timestampBytes)
                .appendByte(IoFogMessages.OP_RECEIPT)
                .appendByte((byte) id.length)
                .appendByte((byte) timestampBytes)
                .appendBytes(id)
                .appendBytes(timestamp));
        armIfIdle();
    }

    synchronized void acknowledged() {
        if (waiting.pollFirst() == null) {
            return;
        }
        resends = 0;
        cancel();
        armIfIdle();
    }

    /** The socket closed: the messages it never acknowledged. */
    synchronized List<IoMessage> closed() {
        cancel();
        List<IoMessage> unacknowledged = messages();
        waiting.clear();
        return unacknowledged;
    }

    private synchronized void timedOut() {
        timer = -1;
        List<IoMessage> messages = messages();
        waiting.clear();
        if (messages.isEmpty()) {
            return;
        }
        if (resends >= maxResends) {
            handBack.accept(messages);
            socket.close((short) 1011, "messages were not acknowledged");
            return;
        }
        resends++;
        waiting.addAll(messages);
        messages.forEach(this::write);
        armIfIdle();
    }

    private List<IoMessage> messages() {
        return waiting.stream()
                .filter(IoMessage.class::isInstance)
                .map(IoMessage.class::cast)
                .toList();
    }

    private void write(IoMessage message) {
        byte[] bytes = message.toBytes();
        socket.writeBinaryMessage(Buffer.buffer(5 + bytes.length)
                .appendByte(IoFogMessages.OP_MESSAGE)
                .appendInt(bytes.length)
                .appendBytes(bytes));
    }

    private void armIfIdle() {
        if (timer < 0 && !waiting.isEmpty()) {
            timer = vertx.setTimer(resendMillis, ignored -> timedOut());
        }
    }

    private void cancel() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
