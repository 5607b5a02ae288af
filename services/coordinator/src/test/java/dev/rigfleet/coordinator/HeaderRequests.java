package dev.rigfleet.coordinator;

import dev.rigfleet.common.testing.RawRequests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Like {@link RawRequests}, byte for byte so that paths arrive unnormalised, but with the token in a header of the
 * caller's choice: Coder's clients send theirs in {@code Coder-Session-Token}.
 */
final class HeaderRequests {

    static final String SESSION_TOKEN = "Coder-Session-Token";
    static final String AUTHORIZATION = "Authorization";

    private HeaderRequests() {}

    /** The header line that carries {@code token} as Coder's clients or as bearer clients send it; none for null. */
    static String tokenLine(String header, String token) {
        if (token == null) {
            return "";
        }
        return header + ": " + (AUTHORIZATION.equals(header) ? "Bearer " : "") + token + "\r\n";
    }

    static RawRequests.Answer upgrade(URL server, String rawPath, String header, String token) {
        return upgrade(server, rawPath, tokenLine(header, token));
    }

    /** An upgrade with these header lines (each ending in CRLF) after the WebSocket ones. */
    static RawRequests.Answer upgrade(URL server, String rawPath, String headerLines) {
        return send(
                server,
                "GET " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                        + headerLines + "\r\n");
    }

    static RawRequests.Answer get(URL server, String rawPath, String header, String token) {
        return send(
                server,
                "GET " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + tokenLine(header, token)
                        + "\r\n");
    }

    private static RawRequests.Answer send(URL server, String request) {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = head(in);
            int status = Integer.parseInt(head.split(" ", 3)[1]);
            if (status == 101) {
                return new RawRequests.Answer(status, "");
            }
            return new RawRequests.Answer(
                    status, new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads an answer's head, up to and with its empty line. */
    static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int next = in.read();
            if (next < 0) {
                break;
            }
            head.write(next);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(
                        line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }
}
