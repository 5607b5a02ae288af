package dev.rigfleet.common.bus;

import dev.rigfleet.common.redis.RedisNamespace;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/** Starts extra bus replicas in a test JVM, standing in for other services' replicas. */
public final class BusReplicas {

    private BusReplicas() {}

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
