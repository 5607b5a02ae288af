package dev.rigfleet.coordinator.service;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Admission for hellos. Welcoming an agent costs registry calls; when thousands of agents dial at once (a coordinator
 * restart, a site's network coming back) the replica works on at most {@code running} welcomes at a time and lets up
 * to {@code waiting} more wait their turn in order, so that no welcome queues inside a client pool until it times out
 * (and its agent dials again, doubling the work). Past that, a hello is turned away at once, before any work.
 */
final class WelcomeQueue {

    /** What became of a hello: taken in turn, or turned away because too many wait. */
    enum Admission {
        TAKEN,
        TURNED_AWAY
    }

    /** A hello waiting for its turn. */
    private record Hello(Supplier<Uni<Void>> welcome, BooleanSupplier gone, UniEmitter<? super Admission> answer) {}

    private final int running;
    private final int waiting;
    private final Deque<Hello> queue = new ArrayDeque<>();
    private int active;

    WelcomeQueue(int running, int waiting) {
        this.running = running;
        this.waiting = waiting;
    }

    /**
     * Runs {@code welcome} when there is room, unless {@code gone} says by then that nobody waits for it (the agent
     * closed meanwhile). Answers {@link Admission#TURNED_AWAY} without running it when the queue is full.
     */
    Uni<Admission> submit(Supplier<Uni<Void>> welcome, BooleanSupplier gone) {
        return Uni.createFrom().emitter(answer -> {
            Hello hello = new Hello(welcome, gone, answer);
            synchronized (this) {
                if (active >= running) {
                    if (queue.size() < waiting) {
                        queue.addLast(hello);
                    } else {
                        answer.complete(Admission.TURNED_AWAY);
                    }
                    return;
                }
                active++;
            }
            start(hello);
        });
    }

    /** Hellos waiting for their turn now. */
    synchronized int waiting() {
        return queue.size();
    }

    private void start(Hello hello) {
        hello.welcome()
                .get()
                .onTermination()
                .invoke(this::finished)
                .subscribe()
                .with(done -> hello.answer().complete(Admission.TAKEN), hello.answer()::fail);
    }

    /** A welcome ended: its place goes to the longest waiting hello whose agent is still there, if any. */
    private void finished() {
        while (true) {
            Hello next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    active--;
                    return;
                }
            }
            if (!next.gone().getAsBoolean()) {
                start(next);
                return;
            }
            next.answer().complete(Admission.TAKEN); // nothing to do for an agent that left
        }
    }
}
