package dev.rigfleet.e2e;

import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.bus.DeviceCommand;
import dev.rigfleet.proto.bus.Envelope;
import dev.rigfleet.proto.bus.Kind;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A third process on the bus, written from docs/architecture.md rather than from rigfleet's code: it reads a device's
 * holder from presence and sends a {@code device.command} request to that replica's inbox, as any service would.
 */
final class BusSender implements AutoCloseable {

    /** What came back: a response, or the failure code ("offline" when nobody holds the device). */
    record Outcome(CommandResponse response, String failure) {}

    private final Redis redis;
    private final String prefix;
    private final String inbox;
    private final RedisConnection subscriber;
    private final Map<String, CompletableFuture<Envelope>> waiting = new ConcurrentHashMap<>();

    BusSender(Vertx vertx, String redisUrl, String prefix) throws Exception {
        this.redis = Redis.createClient(vertx, redisUrl);
        this.prefix = prefix;
        this.inbox =
                prefix + "bus:inbox:e2e-sender-" + UUID.randomUUID().toString().substring(0, 8);
        this.subscriber =
                redis.connect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        subscriber.handler(message -> {
            if (message.size() >= 3 && "message".equals(message.get(0).toString())) {
                try {
                    Envelope reply = Envelope.parseFrom(message.get(2).toBytes());
                    CompletableFuture<Envelope> future = waiting.remove(reply.getCorrelationId());
                    if (future != null) {
                        future.complete(reply);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        subscriber
                .send(Request.cmd(Command.SUBSCRIBE).arg(inbox))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    Outcome send(String deviceUuid, String path, Duration timeout) throws Exception {
        Response holder = redis.send(Request.cmd(Command.GET).arg(prefix + "presence:device:" + deviceUuid))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        if (holder == null) {
            return new Outcome(null, "offline");
        }
        String[] replicaAndEpoch = holder.toString().split(" ");
        long epoch = Long.parseLong(replicaAndEpoch[1]);
        String correlation = UUID.randomUUID().toString();
        Envelope request = Envelope.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setKind(Kind.REQUEST)
                .setType("device.command")
                .setCorrelationId(correlation)
                .setReplyTo(inbox)
                .setSender("e2e-sender")
                .setDeadlineEpochMs(System.currentTimeMillis() + timeout.toMillis())
                .setPayload(DeviceCommand.newBuilder()
                        .setDeviceUuid(deviceUuid)
                        .setEpoch(epoch)
                        .setRequest(CommandRequest.newBuilder()
                                .setCommandId(UUID.randomUUID().toString())
                                .setMethod("GET")
                                .setPath(path)
                                .setEpoch(epoch))
                        .build()
                        .toByteString())
                .build();
        CompletableFuture<Envelope> reply = new CompletableFuture<>();
        waiting.put(correlation, reply);
        long receivers = redis.send(Request.cmd(Command.PUBLISH)
                        .arg(prefix + "bus:inbox:" + replicaAndEpoch[0])
                        .arg(Buffer.buffer(request.toByteArray())))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .toLong();
        if (receivers == 0) {
            return new Outcome(null, "offline");
        }
        Envelope answer = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (answer.hasFailure()) {
            return new Outcome(null, answer.getFailure().getCode());
        }
        return new Outcome(CommandResponse.parseFrom(answer.getPayload()), null);
    }

    @Override
    public void close() {
        subscriber.close();
        redis.close();
    }
}
