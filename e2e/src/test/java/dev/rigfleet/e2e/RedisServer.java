package dev.rigfleet.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private, real redis-server on a loopback port of its own, so that e2e can stop and restart it without
 * disturbing anything else that uses the machine's Redis.
 */
final class RedisServer implements AutoCloseable {

    private final int port = Ports.free();
    private Process process;

    void start() {
        try {
            process = new ProcessBuilder(List.of(
                            "redis-server",
                            "--bind",
                            "127.0.0.1",
                            "--port",
                            String.valueOf(port),
                            "--save",
                            "",
                            "--appendonly",
                            "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(Stack.LOGS.resolve("redis-" + port + ".log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server is needed for e2e (make deps installs it)", e);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Ports.accepting(port));
    }

    void stop() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !Ports.accepting(port));
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            stop();
        }
    }
}
