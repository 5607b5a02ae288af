package dev.rigfleet.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's end of a splice against a scripted coordinator on loopback: the upgrade it writes, the answers it takes
 * and refuses, over TCP and TLS. The real coordinator's route meets it in e2e ({@code StreamsIT}).
 */
class SpliceDialerTest {

    private static final String CREDENTIAL = "c0ffee";
    private static final String SECRET = "c5829ebd5acbbd09320f6572f57ee743";

    private Vertx vertx;
    private final CompletableFuture<HttpServerRequest> seen = new CompletableFuture<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    /** A coordinator that switches every request to an echo of its bytes, as the real route would to a tunnel. */
    private int switchingServer(HttpServerOptions options) throws Exception {
        return await(vertx.createHttpServer(options)
                        .requestHandler(request -> {
                            seen.complete(request);
                            request.response()
                                    .putHeader("Connection", "Upgrade")
                                    .putHeader("Upgrade", "rigfleet-splice");
                            request.toNetSocket().onSuccess(socket -> socket.handler(socket::write));
                        })
                        .listen(0, "127.0.0.1"))
                .actualPort();
    }

    private SpliceDialer dialer(Optional<Path> caFile) {
        return new SpliceDialer(
                vertx,
                new LinkSettings(List.of(URI.create("http://127.0.0.1")), caFile, false, Duration.ofSeconds(1), 10),
                CREDENTIAL);
    }

    @Test
    void anUpgradeCarriesBytesBothWaysWithTheCredentialAndThePathUnderTheServersPrefix() throws Exception {
        int port = switchingServer(new HttpServerOptions());
        NetSocket splice =
                await(dialer(Optional.empty()).dial(URI.create("http://127.0.0.1:" + port + "/rf/"), SECRET));

        HttpServerRequest request = seen.get(10, TimeUnit.SECONDS);
        assertEquals("/rf/api/v2/workspaceagents/me/splice/" + SECRET, request.uri());
        assertEquals("rigfleet-splice", request.getHeader("Upgrade"));
        assertEquals(CREDENTIAL, request.getHeader("Coder-Session-Token"));
        assertEchoes(splice);
    }

    @Test
    void overTlsItTrustsTheGivenAuthorityAndChecksTheName() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
        int port =
                switchingServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()));
        Path ca = Path.of(certificate.certificatePath());

        assertEchoes(await(dialer(Optional.of(ca)).dial(URI.create("https://localhost:" + port), SECRET)));
        // Not trusted, or trusted for another name: no splice.
        assertRefused(dialer(Optional.empty()).dial(URI.create("https://localhost:" + port), SECRET), "");
        assertRefused(dialer(Optional.of(ca)).dial(URI.create("https://127.0.0.1:" + port), SECRET), "");
    }

    @Test
    void anythingButASwitchIsRefused() throws Exception {
        int refusing = await(vertx.createHttpServer()
                        .requestHandler(request -> request.response()
                                .setStatusCode(404)
                                .putHeader("Content-Type", "application/json")
                                .end("{\"error_message\":\"no such splice offered to this device\"}"))
                        .listen(0, "127.0.0.1"))
                .actualPort();
        assertRefused(dialer(Optional.empty()).dial(URI.create("http://127.0.0.1:" + refusing), SECRET), "404");

        // Bytes after the 101 break the protocol (the coordinator sends none before the agent confirms).
        int eager = rawServer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: rigfleet-splice\r\n\r\nearly");
        assertRefused(dialer(Optional.empty()).dial(URI.create("http://127.0.0.1:" + eager), SECRET), "not an upgrade");

        int endless = rawServer("HTTP/1.1 101 Switching Protocols\r\nX: " + "y".repeat(10_000));
        assertRefused(
                dialer(Optional.empty()).dial(URI.create("http://127.0.0.1:" + endless), SECRET), "not an upgrade");

        int closing = await(
                        vertx.createNetServer().connectHandler(NetSocket::close).listen(0, "127.0.0.1"))
                .actualPort();
        assertRefused(dialer(Optional.empty()).dial(URI.create("http://127.0.0.1:" + closing), SECRET), "closed");
    }

    /** Answers every connection's first bytes with {@code answer}, then holds it open. */
    private int rawServer(String answer) throws Exception {
        return await(vertx.createNetServer()
                        .connectHandler(socket -> socket.handler(ignored -> socket.write(answer)))
                        .listen(0, "127.0.0.1"))
                .actualPort();
    }

    private void assertEchoes(NetSocket splice) throws Exception {
        CompletableFuture<String> echoed = new CompletableFuture<>();
        Buffer received = Buffer.buffer();
        splice.handler(bytes -> {
            received.appendBuffer(bytes);
            if (received.length() >= 5) {
                echoed.complete(received.toString());
            }
        });
        splice.resume();
        splice.write("hello");
        assertEquals("hello", echoed.get(10, TimeUnit.SECONDS));
    }

    private static void assertRefused(Future<NetSocket> dialled, String why) throws Exception {
        try {
            await(dialled);
        } catch (ExecutionException refused) {
            String message = String.valueOf(refused.getCause().getMessage());
            assertTrue(message.contains(why), message);
            return;
        }
        throw new AssertionError("the splice was taken");
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
