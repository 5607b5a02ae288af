package dev.rigfleet.common.ratelimit;

import dev.rigfleet.common.redis.RedisNamespace;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts requests per principal in fixed windows shared by every replica through Redis.
 *
 * <p>One Lua script increments and reads the counter, so concurrent requests on any replica can never both see the
 * same count, and the window is cut by the Redis server's clock, so replicas with skewed clocks agree on {@code
 * X-RateLimit-Reset}. When Redis does not answer, the request goes through uncounted: an outage of the limiter must
 * not become an outage of the API.
 */
@ApplicationScoped
public class RateLimiter {

    static final String COUNT_SCRIPT = """
            local now = tonumber(redis.call('TIME')[1])
            local window = tonumber(ARGV[1])
            local start = now - (now % window)
            local key = KEYS[1] .. ':' .. start
            local used = redis.call('INCR', key)
            if used == 1 then redis.call('EXPIRE', key, window + 1) end
            return {used, start + window}
            """;

    private static final Duration FAIL_OPEN_LOG_INTERVAL = Duration.ofSeconds(30);

    private final Redis redis;
    private final Duration redisTimeout;
    private final long windowSeconds;
    private final String keyPrefix;
    private final Counter failOpen;
    private final AtomicLong lastFailOpenLog = new AtomicLong();

    public RateLimiter(Redis redis, RateLimitConfig config, RedisNamespace namespace, MeterRegistry meters) {
        this.redis = redis;
        this.redisTimeout = config.redisTimeout();
        this.windowSeconds = Math.max(1, config.window().toSeconds());
        this.keyPrefix = namespace.keyPrefix() + "ratelimit:";
        this.failOpen = Counter.builder("rigfleet.ratelimit.fail.open")
                .description("Requests let through uncounted because Redis did not answer")
                .register(meters);
    }

    /** Counts one request; empty when Redis could not be asked and the request goes through uncounted. */
    public Uni<Optional<Quota>> count(String routeClass, String principal, long limit) {
        Request script = Request.cmd(Command.EVAL)
                .arg(COUNT_SCRIPT)
                .arg(1)
                .arg(keyPrefix + routeClass + ":" + principal)
                .arg(windowSeconds);
        return redis.send(script)
                .ifNoItem()
                .after(redisTimeout)
                .fail()
                .map(reply -> Optional.of(
                        new Quota(limit, reply.get(0).toLong(), reply.get(1).toLong())))
                .onFailure()
                .recoverWithItem(this::failOpen);
    }

    private Optional<Quota> failOpen(Throwable cause) {
        failOpen.increment();
        long now = Instant.now().toEpochMilli();
        long last = lastFailOpenLog.get();
        if (now - last >= FAIL_OPEN_LOG_INTERVAL.toMillis() && lastFailOpenLog.compareAndSet(last, now)) {
            Log.warnf(
                    "Rate limiting is off: Redis did not answer (%s). Requests go through uncounted until it does;"
                            + " check the Redis connection (quarkus.redis.hosts). Counted in rigfleet_ratelimit_fail_open_total.",
                    cause.toString());
        }
        return Optional.empty();
    }
}
