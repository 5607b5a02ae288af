package dev.rigfleet.common.testing;

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
 * Requests written byte for byte, so that a path reaches the server exactly as a hostile client would send it
 * (HTTP clients normalise {@code //}, {@code ;} and percent-encodings away).
 */
public final class RawRequests {

    public record Answer(int status, String body) {}

    private RawRequests() {}

    /** A WebSocket upgrade of {@code rawPath}, with {@code token} as a bearer token if not null; 101 means it opened. */
    public static Answer upgrade(URL server, String rawPath, String token) {
        return send(
                server,
                "GET " + rawPath + " HTTP/1.1\r\n"
                        + "Host: 127.0.0.1\r\n"
                        + "Upgrade: websocket\r\n"
                        + "Connection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n"
                        + authorization(token)
                        + "\r\n");
    }

    public static Answer get(URL server, String rawPath, String token) {
        return send(
                server,
                "GET " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + authorization(token)
                        + "\r\n");
    }

    private static String authorization(String token) {
        return token == null ? "" : "Authorization: Bearer " + token + "\r\n";
    }

    private static Answer send(URL server, String request) {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            int status = Integer.parseInt(head.split(" ", 3)[1]);
            if (status == 101) {
                return new Answer(status, "");
            }
            int length = contentLength(head);
            byte[] body = in.readNBytes(length);
            return new Answer(status, new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int next = in.read();
            if (next < 0) {
                break;
            }
            head.write(next);
            matched = (next == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (next == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(
                        line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }
}
