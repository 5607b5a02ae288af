package dev.rigfleet.coordinator.service;

import com.google.protobuf.ByteString;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StreamClose;
import dev.rigfleet.proto.agent.StreamData;
import dev.rigfleet.proto.agent.StreamResize;
import dev.rigfleet.proto.agent.StreamWindow;
import java.util.function.Consumer;

/**
 * The client's end of a stream to something on a device, on the replica serving the client. Bytes written here go
 * to the device while the device's credit lasts; {@link #write} says when it ran out, and {@link
 * #whenWritable} waits for credit again. Bytes from the device are handed to the {@link Listener}, which calls the
 * given callback once it has passed them on: only then does the device get credit for more.
 */
public final class DeviceStream {

    /** The most bytes one data frame carries. */
    public static final int MAX_FRAME_DATA = 16 * 1024;

    /** Where the device's side of the stream goes. */
    public interface Listener {

        /** Bytes from the device; call {@code consumed} once they are passed on (e.g. written to a socket). */
        void data(byte[] bytes, Runnable consumed);

        /** The stream ended, from either side or because the link did. */
        void closed(String reason);
    }

    private final String id;
    private final Consumer<ServerFrame> toDevice;
    private final Runnable forget;
    private final int window;
    private Listener listener;
    private boolean spliced;
    private long credit;
    private long consumed;
    private boolean closed;
    private Runnable onWritable;

    DeviceStream(String id, int window, Consumer<ServerFrame> toDevice, Runnable forget) {
        this.id = id;
        this.window = window;
        this.toDevice = toDevice;
        this.forget = forget;
    }

    public String id() {
        return id;
    }

    synchronized void opened(int deviceWindow, boolean spliced, Listener listener) {
        this.listener = listener;
        this.spliced = spliced;
        this.credit = deviceWindow;
    }

    /** Whether the agent carries the bytes over the splice it was offered ({@link Splices}), not as frames. */
    public synchronized boolean spliced() {
        return spliced;
    }

    /** Sends bytes to the device; answers whether there is credit left for more. */
    public synchronized boolean write(byte[] bytes) {
        if (closed) {
            return false;
        }
        credit -= bytes.length;
        // Frames stay well under the WebSocket frame limits of both ends.
        for (int offset = 0; offset < bytes.length; offset += MAX_FRAME_DATA) {
            ByteString chunk = ByteString.copyFrom(bytes, offset, Math.min(MAX_FRAME_DATA, bytes.length - offset));
            toDevice.accept(ServerFrame.newBuilder()
                    .setStreamData(StreamData.newBuilder().setStreamId(id).setData(chunk))
                    .build());
        }
        return credit > 0;
    }

    /** Runs the action once there is credit to write (at once if there is), or once the stream ended. */
    public void whenWritable(Runnable action) {
        synchronized (this) {
            if (!closed && credit <= 0) {
                onWritable = action;
                return;
            }
        }
        action.run();
    }

    public synchronized void resize(int width, int height) {
        if (!closed) {
            toDevice.accept(ServerFrame.newBuilder()
                    .setStreamResize(StreamResize.newBuilder()
                            .setStreamId(id)
                            .setWidth(width)
                            .setHeight(height))
                    .build());
        }
    }

    /** Ends the stream from the client's side. */
    public void close(String reason) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toDevice.accept(ServerFrame.newBuilder()
                    .setStreamClose(StreamClose.newBuilder().setStreamId(id).setReason(reason))
                    .build());
        }
        forget.run();
    }

    void data(byte[] bytes) {
        Listener current;
        synchronized (this) {
            if (closed) {
                return;
            }
            current = listener;
        }
        current.data(bytes, () -> consumed(bytes.length));
    }

    private void consumed(int bytes) {
        synchronized (this) {
            if (closed) {
                return;
            }
            consumed += bytes;
            // Credit goes back in a few large grants rather than one per frame.
            if (consumed < window / 4) {
                return;
            }
            toDevice.accept(ServerFrame.newBuilder()
                    .setStreamWindow(StreamWindow.newBuilder().setStreamId(id).setBytes((int) consumed))
                    .build());
            consumed = 0;
        }
    }

    void window(int bytes) {
        Runnable wake = null;
        synchronized (this) {
            credit += bytes;
            if (credit > 0 && onWritable != null) {
                wake = onWritable;
                onWritable = null;
            }
        }
        if (wake != null) {
            wake.run();
        }
    }

    /** The device or the link ended the stream. */
    void ended(String reason) {
        Listener current;
        Runnable waiting;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            current = listener;
            waiting = onWritable;
            onWritable = null;
        }
        forget.run();
        if (waiting != null) {
            waiting.run();
        }
        if (current != null) {
            current.closed(reason);
        }
    }
}
