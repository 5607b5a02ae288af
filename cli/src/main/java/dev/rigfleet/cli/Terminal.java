package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
// The JDK has no public API for SIGWINCH; sun.misc.Signal (jdk.unsupported) is the one it keeps for this.
import sun.misc.Signal;

@Command(
        name = "terminal",
        mixinStandardHelpOptions = true,
        description = {
            "Opens a terminal on a device.",
            "It uses the device's PTY WebSocket: raw keys, the window's size as it changes, and the same session"
                    + " again after a dropped connection (its last output replayed).",
            "Exits with the remote shell's exit status."
        })
final class Terminal extends ApiCommand {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXIT_STATUS = Pattern.compile("exit status (\\d+)");
    /** How long a lost connection is tried again before the command gives up. */
    private static final Duration RECONNECTING = Duration.ofSeconds(60);

    @Parameters(paramLabel = "UUID", description = "The device's uuid.")
    String uuid;

    @Option(names = "--command", description = "Run this (with /bin/sh -c) instead of the login shell.")
    String command;

    private final HttpClient http = HttpClient.newHttpClient();
    /** The connection keys go to: the next one while none is open, so that nothing typed meanwhile is lost. */
    private volatile CompletableFuture<WebSocket> current = new CompletableFuture<>();

    @Override
    int run(Api api) throws Exception {
        String session = UUID.randomUUID().toString();
        boolean tty = Tty.present();
        try (Tty raw = tty ? Tty.raw() : null) {
            if (tty) {
                Signal.handle(new Signal("WINCH"), signal -> Tty.size().ifPresent(this::resize));
            }
            Thread keys = new Thread(this::forwardKeys, "terminal-keys");
            keys.setDaemon(true);
            keys.start();
            Instant lostSince = null;
            boolean connectedOnce = false;
            while (true) {
                CompletableFuture<Ended> ended = new CompletableFuture<>();
                try {
                    current.complete(connect(api, session, ended));
                    lostSince = null;
                    connectedOnce = true;
                } catch (Api.Refused refused) {
                    throw refused;
                } catch (Exception e) {
                    if (!connectedOnce) {
                        throw new Api.Unreachable(
                                "could not open the terminal at " + api.base() + " (" + describe(e) + ")");
                    }
                    ended.complete(new Ended(-1, describe(e)));
                }
                Ended end = ended.get();
                current = new CompletableFuture<>();
                if (end.code() == WebSocket.NORMAL_CLOSURE) {
                    Matcher status = EXIT_STATUS.matcher(end.reason());
                    return status.find() ? Integer.parseInt(status.group(1)) : 0;
                }
                if (end.code() == 1011) {
                    throw new Api.Refused(end.code(), "the device could not open the terminal: " + end.reason());
                }
                lostSince = lostSince == null ? Instant.now() : lostSince;
                if (Duration.between(lostSince, Instant.now()).compareTo(RECONNECTING) > 0) {
                    throw new Api.Unreachable("the terminal's connection is lost (" + end.reason() + ")");
                }
                err().print("\r\n[rigfleet: connection lost (" + end.reason() + "); reconnecting]\r\n");
                err().flush();
                Thread.sleep(1000); // a pause between attempts, not a wait for a condition we could observe
            }
        }
    }

    private record Ended(int code, String reason) {}

    private static String describe(Throwable e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof java.net.ConnectException
                ? "connection refused"
                : cause.getMessage() != null
                        ? cause.getMessage()
                        : cause.getClass().getSimpleName();
    }

    private WebSocket connect(Api api, String session, CompletableFuture<Ended> ended) throws Exception {
        int[] size = Tty.size().orElse(new int[] {24, 80});
        StringBuilder path = new StringBuilder("/api/v2/workspaceagents/")
                .append(Paths.segment(uuid))
                .append("/pty?reconnect=")
                .append(session)
                .append("&height=")
                .append(size[0])
                .append("&width=")
                .append(size[1]);
        if (command != null) {
            path.append("&command=").append(Paths.segment(command));
        }
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        api.token().ifPresent(token -> builder.header("Authorization", "Bearer " + token));
        URI uri = api.webSocket(path.toString());
        try {
            return builder.buildAsync(uri, new Output(ended)).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                int status = refused.getResponse().statusCode();
                Object body = refused.getResponse().body();
                String text =
                        body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(body);
                String message = Optional.ofNullable(JSON.readTree(text.isBlank() || "null".equals(text) ? "{}" : text))
                        .map(node -> node.path("error_message").asText(""))
                        .filter(m -> !m.isEmpty())
                        .orElse("the platform refused the terminal (" + status + ")");
                if (status == 428 || status == 502 || status == 503) {
                    throw new IllegalStateException(message);
                }
                throw new Api.Refused(status, message);
            }
            throw e;
        }
    }

    /** The device's output, to this terminal as it comes; the close, to whoever waits for it. */
    private final class Output implements WebSocket.Listener {
        private final CompletableFuture<Ended> ended;
        private final OutputStream out = System.out;

        Output(CompletableFuture<Ended> ended) {
            this.ended = ended;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            try {
                out.write(bytes);
                out.flush();
            } catch (java.io.IOException e) {
                socket.abort();
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
            ended.complete(new Ended(code, reason));
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            ended.complete(new Ended(-1, String.valueOf(error.getMessage())));
        }
    }

    /** Keys as typed, to the session on whichever connection is current. */
    private void forwardKeys() {
        try (Reader keys = new InputStreamReader(System.in, StandardCharsets.UTF_8)) {
            char[] buffer = new char[1024];
            int read;
            while ((read = keys.read(buffer)) >= 0) {
                ObjectNode frame = JSON.createObjectNode().put("data", new String(buffer, 0, read));
                send(frame);
            }
        } catch (java.io.IOException e) {
            // standard input closed: nothing more to type
        }
    }

    private void resize(int[] size) {
        send(JSON.createObjectNode().put("height", size[0]).put("width", size[1]));
    }

    /** Sends on the open connection; when it closed meanwhile, on the next one. */
    private void send(ObjectNode frame) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                current.join().sendText(frame.toString(), true).join();
                return;
            } catch (CompletionException | IllegalStateException e) {
                // the connection went: the next one takes it
            }
        }
    }
}
