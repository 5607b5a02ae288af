package dev.rigfleet.agent.device;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.link.DeviceEndpoint;
import dev.rigfleet.proto.agent.PtyTarget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Terminal sessions with the real {@code script}: who they run as, their size, replay and idle end. */
class PtySessionsTest {

    private static final String AGENT_USER = System.getProperty("user.name");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    /** Collects one attachment's output. */
    private static final class Screen implements DeviceEndpoint.Output {
        private final StringBuilder text = new StringBuilder();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public synchronized void data(Buffer bytes) {
            text.append(bytes.toString(StandardCharsets.UTF_8));
        }

        @Override
        public void closed(String reason) {
            closed.complete(reason);
        }

        synchronized String text() {
            return text.toString();
        }

        void await(String expected) {
            org.awaitility.Awaitility.await()
                    .atMost(WAIT)
                    .alias("output containing " + expected)
                    .until(() -> text().contains(expected));
        }
    }

    private PtySessions sessions(String agentUser, Optional<String> sessionUser, Duration idle, Path passwd) {
        return new PtySessions(vertx, agentUser, sessionUser, idle, passwd);
    }

    /** Sessions as the user running the tests, named explicitly (which allows root, should that be the user). */
    private PtySessions ownSessions(Duration idle) {
        return sessions(AGENT_USER, Optional.of(AGENT_USER), idle, Path.of("/etc/passwd"));
    }

    private static PtyTarget target(String reconnect, String command) {
        return PtyTarget.newBuilder()
                .setReconnect(reconnect)
                .setWidth(90)
                .setHeight(20)
                .setCommand(command)
                .build();
    }

    private static String failure(Future<?> attached) throws Exception {
        CompletableFuture<String> reason = new CompletableFuture<>();
        attached.onComplete(done -> reason.complete(done.failed() ? done.cause().getMessage() : "attached"));
        return reason.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anAgentRunningAsRootOpensNoTerminalUntilTheSessionUserIsNamed() throws Exception {
        Path passwd = Files.writeString(
                Files.createTempFile("passwd", ""),
                "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n");
        String reason = failure(sessions("root", Optional.empty(), WAIT, passwd)
                .attach(target(UUID.randomUUID().toString(), "true"), new Screen()));
        assertTrue(reason.contains("rigfleet.agent.session-user"), reason);

        reason = failure(sessions("alice", Optional.of("bob"), WAIT, passwd)
                .attach(target(UUID.randomUUID().toString(), "true"), new Screen()));
        assertTrue(reason.contains("cannot start sessions as bob"), reason);

        reason = failure(sessions("root", Optional.of("carol"), WAIT, passwd)
                .attach(target(UUID.randomUUID().toString(), "true"), new Screen()));
        assertTrue(reason.contains("no user carol"), reason);
    }

    @Test
    void aCommandSeesTheTerminalSizeAndItsExitEndsTheSession() throws Exception {
        PtySessions terminals = ownSessions(WAIT);
        Screen screen = new Screen();
        terminals.attach(target(UUID.randomUUID().toString(), "echo sum-$((20+22)); stty size"), screen);
        screen.await("sum-42");
        screen.await("20 90");
        assertTrue(screen.closed.get(10, TimeUnit.SECONDS).contains("exit status 0"));
        await().atMost(WAIT).until(() -> terminals.size() == 0);
    }

    @Test
    void reattachingReplaysRecentOutputAndTakesOverFromTheEarlierClient() throws Exception {
        PtySessions terminals = ownSessions(WAIT);
        String session = UUID.randomUUID().toString();
        Screen first = new Screen();
        DeviceEndpoint attached = terminals
                .attach(target(session, "/bin/sh"), first)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        attached.write(Buffer.buffer("echo seen-$((3*3))\n"), () -> {});
        first.await("seen-9");

        Screen second = new Screen();
        DeviceEndpoint reattached = terminals
                .attach(target(session, ""), second)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        second.await("seen-9");
        assertTrue(first.closed.get(10, TimeUnit.SECONDS).contains("another client"));

        reattached.resize(120, 40);
        reattached.write(Buffer.buffer("stty size\n"), () -> {});
        second.await("40 120");
        assertEquals(1, terminals.size());
        reattached.write(Buffer.buffer("exit\n"), () -> {});
        await().atMost(WAIT).until(() -> terminals.size() == 0);
    }

    @Test
    void aSessionNobodyIsAttachedToEndsAfterTheIdleTime() throws Exception {
        PtySessions terminals = ownSessions(Duration.ofMillis(300));
        DeviceEndpoint attached = terminals
                .attach(target(UUID.randomUUID().toString(), "sleep 60"), new Screen())
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, terminals.size());
        attached.close();
        await().atMost(WAIT).until(() -> terminals.size() == 0);
    }
}
