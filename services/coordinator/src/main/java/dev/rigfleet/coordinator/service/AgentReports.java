package dev.rigfleet.coordinator.service;

import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What agents report about themselves between target states: their latest stats and their apps' health. Kept in
 * Redis, shared by every replica, and expiring when an agent stops reporting; nothing here is durable. Stats are
 * written in batches, every {@link #STATS_FLUSH}: each device's latest since the last batch, in pipelined writes,
 * so that a replica's Redis work at idle does not grow with its agents' reports.
 */
@ApplicationScoped
public class AgentReports {

    /** The healths an app may report (Coder's). */
    public static final Set<String> HEALTHS = Set.of("disabled", "initializing", "healthy", "unhealthy");

    static final Duration STATS_FLUSH = Duration.ofSeconds(5);
    private static final int WRITES_PER_BATCH = 500;

    private final Redis redis;
    private final String prefix;
    private final long ttlSeconds;
    private final Map<String, String> pendingStats = new ConcurrentHashMap<>();

    public AgentReports(Redis redis, RedisNamespace namespace, CoordinatorConfig config) {
        this.redis = redis;
        this.prefix = namespace.keyPrefix() + "agent:";
        // Outlives a few missed reports, not a device that went away.
        this.ttlSeconds = Math.max(60, config.reportInterval().toSeconds() * 10);
    }

    void flushPeriodically(@Observes StartupEvent started, Vertx vertx) {
        vertx.setPeriodic(STATS_FLUSH.toMillis(), ignored -> flushStats());
    }

    /** Keeps the device's latest stats, for the next batch; a later report before it replaces this one. */
    public void keepStats(String deviceUuid, String statsJson) {
        pendingStats.put(deviceUuid, statsJson);
    }

    private void flushStats() {
        List<Request> writes = new ArrayList<>();
        for (String device : List.copyOf(pendingStats.keySet())) {
            String stats = pendingStats.remove(device);
            if (stats != null) {
                writes.add(Request.cmd(Command.SET)
                        .arg(prefix + "stats:" + device)
                        .arg(stats)
                        .arg("EX")
                        .arg(ttlSeconds));
            }
        }
        for (int from = 0; from < writes.size(); from += WRITES_PER_BATCH) {
            List<Request> batch = writes.subList(from, Math.min(writes.size(), from + WRITES_PER_BATCH));
            redis.batch(batch)
                    .subscribe()
                    .with(
                            ok -> {},
                            e -> Log.warnf(
                                    "%d devices' stats not stored (the next reports are): %s",
                                    batch.size(), e.getMessage()));
        }
    }

    public Uni<Void> storeHealth(String deviceUuid, Map<String, String> healthByApp) {
        String key = prefix + "health:" + deviceUuid;
        Request set = Request.cmd(Command.HSET).arg(key);
        healthByApp.forEach((app, health) -> set.arg(app).arg(health));
        return redis.send(set)
                .chain(() -> redis.send(Request.cmd(Command.EXPIRE).arg(key).arg(ttlSeconds)))
                .replaceWithVoid();
    }

    /** The last health each app reported, by app (service) uuid. */
    public Uni<Map<String, String>> health(String deviceUuid) {
        return redis.send(Request.cmd(Command.HGETALL).arg(prefix + "health:" + deviceUuid))
                .map(AgentReports::asMap);
    }

    private static Map<String, String> asMap(Response hash) {
        Map<String, String> map = new HashMap<>();
        if (hash != null) {
            // The client answers HGETALL as a map in RESP2 and RESP3 alike.
            hash.getKeys().forEach(field -> map.put(field, hash.get(field).toString()));
        }
        return map;
    }
}
