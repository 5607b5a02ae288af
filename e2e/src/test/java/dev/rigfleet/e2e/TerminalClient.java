package dev.rigfleet.e2e;

import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A client of {@code GET /api/v2/workspaceagents/{id}/pty}, as a terminal in a browser would be: the JDK's own. */
final class TerminalClient implements AutoCloseable {

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private TerminalClient(URI uri, String token) throws Exception {
        this.socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
                        byte[] bytes = new byte[data.remaining()];
                        data.get(bytes);
                        synchronized (output) {
                            output.writeBytes(bytes);
                        }
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closed.complete("error " + error);
                    }
                })
                .get(20, TimeUnit.SECONDS);
    }

    static TerminalClient open(String coordinator, String uuid, String query, String token) throws Exception {
        URI uri = URI.create(
                coordinator.replaceFirst("^http", "ws") + "/api/v2/workspaceagents/" + uuid + "/pty?" + query);
        return new TerminalClient(uri, token);
    }

    /** Sends one client frame, as Coder's clients do: JSON with data, height and width. */
    void send(String json) throws Exception {
        socket.sendText(json, true).get(10, TimeUnit.SECONDS);
    }

    void type(String line) throws Exception {
        send("{\"data\":\"" + line.replace("\\", "\\\\").replace("\"", "\\\"") + "\\n\"}");
    }

    String output() {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    void awaitOutput(String expected) {
        await().atMost(Duration.ofSeconds(20))
                .alias("terminal output containing " + expected)
                .until(() -> output().contains(expected));
    }

    CompletableFuture<String> closed() {
        return closed;
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
}
