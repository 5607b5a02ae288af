package dev.rigfleet.agent.link;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * What a stream reaches on the device: a TCP connection or a terminal session. Its output goes to the {@link Output}
 * it was opened with, and stops between {@link #pause} and {@link #resume} (the platform has no credit for more).
 */
public interface DeviceEndpoint {

    /** Where an endpoint's output goes; callable from any thread. */
    interface Output {

        void data(Buffer bytes);

        /** The endpoint ended (the connection closed, the session exited). */
        void closed(String reason);
    }

    /** Writes bytes from the platform; runs {@code written} once they have left the agent. */
    void write(Buffer bytes, Runnable written);

    void pause();

    void resume();

    /** A terminal's new size; other endpoints ignore it. */
    default void resize(int width, int height) {}

    /**
     * Carries the stream over {@code splice} from now on, both ways, rather than through {@link Output} and {@link
     * #write}; either closing closes the other. Answers false for an endpoint that cannot (a terminal session).
     */
    default boolean spliceTo(NetSocket splice) {
        return false;
    }

    /** The stream ended: release what it holds (a terminal session lives on, detached). */
    void close();
}
