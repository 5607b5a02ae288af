package dev.rigfleet.common.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.common.testing.RigfleetTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class RateLimiterTest {

    @Inject
    RateLimiter limiter;

    @Inject
    RateLimitConfig config;

    @Inject
    RedisNamespace namespace;

    @Inject
    MeterRegistry meters;

    @Inject
    Vertx vertx;

    @Test
    void concurrentRequestsNeverOvershootTheLimit() {
        String principal = "user:" + UUID.randomUUID();
        List<Uni<Optional<Quota>>> burst = IntStream.range(0, 60)
                .mapToObj(i -> limiter.count("burst", principal, 20))
                .toList();

        List<Quota> quotas = Uni.join().all(burst).andFailFast().await().atMost(Duration.ofSeconds(20)).stream()
                .map(Optional::orElseThrow)
                .toList();

        // The window may turn over during the burst; within each window exactly 20 pass.
        var byWindow = quotas.stream().collect(Collectors.groupingBy(Quota::resetEpochSeconds));
        for (List<Quota> window : byWindow.values()) {
            Set<Long> counts = window.stream().map(Quota::used).collect(Collectors.toSet());
            assertEquals(window.size(), counts.size(), "every request got its own count");
            long admitted = window.stream().filter(q -> !q.exceeded()).count();
            assertEquals(Math.min(20, window.size()), admitted);
            assertTrue(window.stream().allMatch(q -> q.remaining() < q.limit()));
        }
    }

    @Test
    void unreachableRedisFailsOpenAndIsCounted() {
        Redis nowhere = Redis.createClient(vertx, "redis://127.0.0.1:1");
        RateLimiter blind = new RateLimiter(nowhere, config, namespace, meters);
        double before = meters.get("rigfleet.ratelimit.fail.open").counter().count();

        Optional<Quota> quota = blind.count("default", "user:x", 5).await().atMost(Duration.ofSeconds(10));

        assertTrue(quota.isEmpty());
        assertEquals(
                before + 1, meters.get("rigfleet.ratelimit.fail.open").counter().count());
        nowhere.close();
    }
}
