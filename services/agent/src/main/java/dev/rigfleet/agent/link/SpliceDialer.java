package dev.rigfleet.agent.link;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Opens the splice connections the coordinator offers for tunnel streams ({@code StreamOpen.splice}): an HTTP/1.1
 * upgrade to the server the link is connected to, with the device's credential, after which the connection carries
 * the stream's raw bytes. Made on the first splice, so that the many connections a benchmark simulates in one JVM
 * cost nothing for it.
 *
 * <p>The upgrade is written on a plain TCP (or TLS) connection rather than with Vert.x's HTTP client: the socket
 * that client hands over after an upgrade never reports its write queue full, so a pipe into it buffers without
 * bound when the coordinator stops reading; a NetSocket's queue follows TCP's flow control.
 */
final class SpliceDialer {

    static final String PATH = "/api/v2/workspaceagents/me/splice/";
    static final String PROTOCOL = "rigfleet-splice";
    /** An answer's head is a status line and a few headers; more than this is no answer of ours. */
    private static final int MAX_HEAD = 8 * 1024;

    private static final String END_OF_HEAD = "\r\n\r\n";

    private final Vertx vertx;
    private final LinkSettings settings;
    private final String credential;
    /** By whether it speaks TLS: the servers an agent dials may mix http and https. */
    private final Map<Boolean, NetClient> clients = new HashMap<>();

    SpliceDialer(Vertx vertx, LinkSettings settings, String credential) {
        this.vertx = vertx;
        this.settings = settings;
        this.credential = credential;
    }

    private NetClient client(boolean tls) {
        return clients.computeIfAbsent(tls, ignored -> {
            NetClientOptions options = new NetClientOptions().setSsl(tls).setHostnameVerificationAlgorithm("HTTPS");
            settings.caFile()
                    .ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
            return vertx.createNetClient(options);
        });
    }

    /** The upgraded connection, paused until its reader takes it; fails unless the server answers 101. */
    Future<NetSocket> dial(URI server, String secret) {
        boolean tls = "wss".equals(server.getScheme()) || "https".equals(server.getScheme());
        int port = server.getPort() > 0 ? server.getPort() : tls ? 443 : 80;
        String prefix = server.getRawPath() == null ? "" : server.getRawPath().replaceAll("/+$", "");
        String request = "GET " + prefix + PATH + secret + " HTTP/1.1\r\n"
                + "Host: " + server.getRawAuthority() + "\r\n"
                + "Connection: Upgrade\r\n"
                + "Upgrade: " + PROTOCOL + "\r\n"
                + AgentConnection.SESSION_TOKEN_HEADER + ": " + credential + "\r\n\r\n";
        return client(tls).connect(port, server.getHost(), server.getHost()).compose(socket -> {
            socket.write(Buffer.buffer(request, StandardCharsets.ISO_8859_1.name()));
            return switched(socket);
        });
    }

    /**
     * Reads the answer's head. The coordinator sends nothing after its 101 until the agent has confirmed the splice,
     * so the head is all there is to read; anything past it is refused rather than lost.
     */
    private static Future<NetSocket> switched(NetSocket socket) {
        Promise<NetSocket> switched = Promise.promise();
        Buffer received = Buffer.buffer();
        socket.handler(bytes -> {
            received.appendBuffer(bytes);
            String head = received.toString(StandardCharsets.ISO_8859_1);
            int end = head.indexOf(END_OF_HEAD);
            if (end < 0 && head.length() <= MAX_HEAD) {
                return;
            }
            socket.handler(null);
            socket.pause();
            if (end >= 0 && !head.startsWith("HTTP/1.1 101 ")) {
                fail(
                        socket,
                        switched,
                        "the coordinator answered the splice "
                                + head.lines().findFirst().orElse(""));
            } else if (end < 0 || end + END_OF_HEAD.length() != head.length()) {
                fail(socket, switched, "the coordinator's answer to the splice was not an upgrade");
            } else {
                switched.tryComplete(socket);
            }
        });
        socket.closeHandler(closed -> switched.tryFail("the coordinator closed the splice before answering"));
        return switched.future().onSuccess(upgraded -> upgraded.closeHandler(null));
    }

    private static void fail(NetSocket socket, Promise<NetSocket> switched, String why) {
        switched.tryFail(why);
        socket.close();
    }

    void close() {
        clients.values().forEach(NetClient::close);
    }
}
