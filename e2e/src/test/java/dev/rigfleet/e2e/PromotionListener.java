package dev.rigfleet.e2e;

import dev.rigfleet.proto.bus.Envelope;
import dev.rigfleet.proto.bus.ReservationPromoted;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Listens on the bus for {@code reservation.promoted} events as the instances service will, written from
 * docs/architecture.md ("Topics") rather than from rigfleet's code: every promotion, in the order received.
 */
final class PromotionListener implements AutoCloseable {

    private final RedisConnection subscriber;
    private final List<ReservationPromoted> received = new CopyOnWriteArrayList<>();

    PromotionListener(Vertx vertx, String redisUrl, String prefix) throws Exception {
        subscriber = Redis.createClient(vertx, redisUrl)
                .connect()
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        subscriber.handler(message -> {
            if (message.size() >= 3 && "message".equals(message.get(0).toString())) {
                try {
                    Envelope event = Envelope.parseFrom(message.get(2).toBytes());
                    if (event.getType().equals("reservation.promoted")) {
                        received.add(ReservationPromoted.parseFrom(event.getPayload()));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        subscriber
                .send(Request.cmd(Command.SUBSCRIBE).arg(prefix + "bus:event:reservations"))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    /** Reservation ids, one per event received (a second copy of an event shows twice). */
    List<String> reservations() {
        return received.stream().map(ReservationPromoted::getReservationId).toList();
    }

    @Override
    public void close() {
        subscriber.close();
    }
}
