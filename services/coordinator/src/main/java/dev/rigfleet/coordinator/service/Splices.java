package dev.rigfleet.coordinator.service;

import dev.rigfleet.coordinator.config.CoordinatorConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The splice connections this replica waits for: a tunnel's stream offers its agent a one-use secret with
 * {@code StreamOpen.splice}, and the agent, rather than send the bytes as frames over its link, opens a connection
 * of its own with it ({@code SpliceRoute}) that is joined to the tunnel's client socket. The link's WebSocket
 * frames, masked by the agent as RFC 6455 requires of a client, and a protobuf message per chunk cost more CPU than
 * the bytes themselves; a spliced stream is two sockets piped together at each end.
 */
@ApplicationScoped
// Created at start so that its counter is on /q/metrics from the first scrape, at 0.
@Startup
public class Splices {

    /** A splice this replica offered: {@link #socket} completes when the agent's connection arrives. */
    public final class Offer {
        private final String secret;
        private final String deviceUuid;
        private final Promise<NetSocket> arrival = Promise.promise();
        private final long expiry;

        private Offer(String secret, String deviceUuid) {
            this.secret = secret;
            this.deviceUuid = deviceUuid;
            this.expiry = vertx.setTimer(config.commandTimeout().toMillis(), ignored -> {
                offers.remove(secret, this);
                arrival.tryFail("the device's splice connection did not arrive in time");
            });
        }

        public String secret() {
            return secret;
        }

        /** The agent's connection; fails when it does not arrive within the command time-out or is withdrawn. */
        public Future<NetSocket> socket() {
            return arrival.future();
        }

        /** The agent will not use it (it answered without a splice, the stream ended first, the upgrade failed). */
        public void withdraw() {
            offers.remove(secret, this);
            vertx.cancelTimer(expiry);
            arrival.tryFail("withdrawn");
        }

        /** Hands over the agent's connection; closed at once when the offer was withdrawn meanwhile. */
        public void arrived(NetSocket socket) {
            vertx.cancelTimer(expiry);
            if (arrival.tryComplete(socket)) {
                spliced.increment();
            } else {
                socket.close();
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Offer> offers = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final CoordinatorConfig config;
    private final Counter spliced;

    public Splices(Vertx vertx, CoordinatorConfig config, MeterRegistry meters) {
        this.vertx = vertx;
        this.config = config;
        this.spliced = Counter.builder("rigfleet.streams.spliced")
                .description("Tunnel streams whose bytes ran over a splice connection rather than the agent's link")
                .register(meters);
    }

    /** Offers a splice to the device's agent for one stream. */
    public Offer offer(String deviceUuid) {
        byte[] secret = new byte[16];
        RANDOM.nextBytes(secret);
        Offer offer = new Offer(HexFormat.of().formatHex(secret), deviceUuid);
        offers.put(offer.secret, offer);
        return offer;
    }

    /**
     * Takes the offer of {@code secret} for the device that presented it, once: empty when there is none, it
     * expired, or it was made to another device (which is not told that it exists).
     */
    public Optional<Offer> claim(String secret, String deviceUuid) {
        Offer offer = offers.get(secret);
        if (offer == null || !offer.deviceUuid.equals(deviceUuid) || !offers.remove(secret, offer)) {
            return Optional.empty();
        }
        return Optional.of(offer);
    }
}
