package dev.rigfleet.coordinator.service;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Joins two sockets into one byte stream both ways, however their connections were spread over the event loops: a
 * tunnel's client and its agent's splice arrive on different listeners. Vert.x's {@code Pipe} calls one socket from
 * the other's thread under each connection's lock, which deadlocks when both directions run at once on two loops; here
 * each socket is touched only on its own loop, and each direction holds at most {@link #HIGH_WATER} bytes in flight
 * before it pauses its source.
 */
final class SocketBridge {

    static final long HIGH_WATER = 1024 * 1024;
    static final long LOW_WATER = HIGH_WATER / 4;

    private SocketBridge() {}

    /** Joins the two; either ending ends the other once what it sent has been written. */
    static void join(NetSocket a, NetSocket b) {
        relay(a, b);
        relay(b, a);
    }

    private static void relay(NetSocket source, NetSocket target) {
        EventExecutor sourceLoop = loopOf(source);
        sourceLoop.execute(() -> relayOnLoop(source, sourceLoop, target));
    }

    private static void relayOnLoop(NetSocket source, EventExecutor sourceLoop, NetSocket target) {
        EventExecutor targetLoop = loopOf(target);
        AtomicLong inFlight = new AtomicLong();
        AtomicBoolean paused = new AtomicBoolean();
        Runnable resumeIfDrained = () -> {
            if (inFlight.get() <= LOW_WATER && paused.compareAndSet(true, false)) {
                source.resume();
            }
        };
        source.handler(bytes -> {
            int length = bytes.length();
            long held = inFlight.addAndGet(length);
            targetLoop.execute(() -> target.write(bytes).onComplete(written -> {
                inFlight.addAndGet(-length);
                if (paused.get()) {
                    sourceLoop.execute(resumeIfDrained);
                }
            }));
            if (held >= HIGH_WATER && paused.compareAndSet(false, true)) {
                source.pause();
                // The writes may all have completed before the flag was set: nobody else would resume.
                resumeIfDrained.run();
            }
        });
        source.endHandler(ended -> targetLoop.execute(target::end));
        source.exceptionHandler(failure -> source.close());
        source.resume();
    }

    private static EventExecutor loopOf(NetSocket socket) {
        return ((NetSocketInternal) socket).channelHandlerContext().executor();
    }
}
