package dev.rigfleet.common.http;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 requests written byte for byte, for what RestAssured and java.net.http tidy up (an empty header, a
 * request target they would encode).
 */
record RawHttp(int status, String headers, String body) {

    /** Sends the request line and header lines (without the blank line) and the body, and reads the answer. */
    static RawHttp send(String requestLineAndHeaders, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = requestLineAndHeaders + "\r\nHost: localhost\r\nConnection: close\r\n"
                + (content.length > 0 ? "Content-Length: " + content.length + "\r\n" : "") + "\r\n";
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            String answer = readAll(socket.getInputStream());
            int split = answer.indexOf("\r\n\r\n");
            String headers = split < 0 ? answer : answer.substring(0, split);
            String rest = split < 0 ? "" : answer.substring(split + 4);
            return new RawHttp(Integer.parseInt(headers.split(" ", 3)[1]), headers, rest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonPath json() {
        return new JsonPath(body);
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.UTF_8);
    }
}
