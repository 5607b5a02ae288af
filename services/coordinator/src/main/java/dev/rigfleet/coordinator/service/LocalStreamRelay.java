package dev.rigfleet.coordinator.service;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Carries stream frames between a stream's two halves when one replica is both the client's and the device's: the
 * same hand-over the bus makes between replicas, without the trip through Redis. One thread, like the bus's one
 * subscriber: frames run in the order they were handed over, and whoever hands one over holds no lock the receiving
 * half takes (the halves call each other under their own locks, which would deadlock if run inline).
 */
@ApplicationScoped
public class LocalStreamRelay {

    private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        Thread relay = new Thread(task, "stream-relay");
        relay.setDaemon(true);
        return relay;
    });

    void handOver(Runnable delivery) {
        thread.execute(delivery);
    }

    @PreDestroy
    void stop() {
        thread.shutdownNow();
    }
}
