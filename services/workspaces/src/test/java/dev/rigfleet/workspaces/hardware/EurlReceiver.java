package dev.rigfleet.workspaces.hardware;

import com.sun.net.httpserver.HttpServer;
import dev.rigfleet.common.testing.TestKeys;
import io.smallrye.jwt.util.KeyUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

/**
 * A user's callback receiver: records each POST, and checks its token as a receiver would, with the platform's public
 * key. It answers {@code failuresFirst} 500s before it takes a callback.
 */
final class EurlReceiver implements AutoCloseable {

    /** A callback as received: its body, and the verified token's claims (null when the token did not verify). */
    record Received(String body, JwtClaims claims) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft;
    private final AtomicInteger attempts = new AtomicInteger();

    EurlReceiver(int failuresFirst) {
        this.failuresLeft = new AtomicInteger(failuresFirst);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hook", exchange -> {
            attempts.incrementAndGet();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (failuresLeft.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(500, -1);
                exchange.close();
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            received.add(new Received(body, verify(authorization)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    /** The receiver's URL under the host name the tests allow. */
    String url() {
        return "http://localhost:" + server.getAddress().getPort() + "/hook?who=test";
    }

    /** The same receiver by its address, which is loopback and refused. */
    String urlByAddress() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    List<Received> received() {
        return received;
    }

    int attempts() {
        return attempts.get();
    }

    private static JwtClaims verify(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return null;
        }
        try {
            String pem = Files.readString(TestKeys.publicKeyFile());
            return new JwtConsumerBuilder()
                    .setVerificationKey(KeyUtils.decodePublicKey(pem))
                    .setExpectedIssuer("rigfleet")
                    .setExpectedAudience("eurl")
                    .setRequireExpirationTime()
                    .build()
                    .processToClaims(authorization.substring("Bearer ".length()));
        } catch (InvalidJwtException | GeneralSecurityException | IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
