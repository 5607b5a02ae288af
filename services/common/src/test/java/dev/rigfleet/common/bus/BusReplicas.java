package dev.rigfleet.common.bus;

import dev.rigfleet.common.redis.RedisNamespace;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Singleton;

/**
 * Starts extra bus replicas in a test JVM, standing in for other services' replicas. Inject it to start replicas on
 * the test's own Redis, bus configuration and meters; a test jar whose classes are not beans calls the static form.
 */
@Singleton
public class BusReplicas {

    private final Redis redis;
    private final Vertx vertx;
    private final BusConfig config;
    private final RedisNamespace namespace;
    private final MeterRegistry meters;

    BusReplicas(Redis redis, Vertx vertx, BusConfig config, RedisNamespace namespace, MeterRegistry meters) {
        this.redis = redis;
        this.vertx = vertx;
        this.config = config;
        this.namespace = namespace;
        this.meters = meters;
    }

    /** A started replica of {@code service} beside the test's own bus. */
    public Bus start(String service) {
        return start(service, redis, vertx, config, namespace, meters);
    }

    public static Bus start(
            String service,
            Redis redis,
            Vertx vertx,
            BusConfig config,
            RedisNamespace namespace,
            MeterRegistry meters) {
        Bus replica = new Bus(redis, vertx, config, namespace, meters, service);
        replica.start(null);
        return replica;
    }

    public static void stop(Bus replica) {
        replica.stop(null);
    }
}
