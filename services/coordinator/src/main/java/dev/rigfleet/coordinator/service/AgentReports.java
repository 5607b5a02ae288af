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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What agents report about themselves between target states: their latest stats, a day of their stats' history and
 * their apps' health. Kept in Redis, shared by every replica, and expiring when an agent stops reporting; nothing
 * here is durable. Stats are written in batches, every {@link #STATS_FLUSH}: each device's latest since the last
 * batch, in pipelined writes, so that a replica's Redis work at idle does not grow with its agents' reports. The
 * history is a sorted set per device scored by the sample's time: one sample per {@code stats-history-interval},
 * trimmed to {@link #HISTORY} when written.
 */
@ApplicationScoped
public class AgentReports {

    /** The healths an app may report (Coder's). */
    public static final Set<String> HEALTHS = Set.of("disabled", "initializing", "healthy", "unhealthy");

    static final Duration STATS_FLUSH = Duration.ofSeconds(5);
    public static final Duration HISTORY = Duration.ofHours(24);
    private static final int WRITES_PER_BATCH = 500;

    private final Redis redis;
    private final String prefix;
    private final long ttlSeconds;
    private final long historyIntervalMillis;
    private final Map<String, String> pendingStats = new ConcurrentHashMap<>();
    /** When this replica last put a sample of each device into its history (a device moving replicas may add one). */
    private final Map<String, Long> lastSampled = new ConcurrentHashMap<>();

    public AgentReports(Redis redis, RedisNamespace namespace, CoordinatorConfig config) {
        this.redis = redis;
        this.prefix = namespace.keyPrefix() + "agent:";
        // Outlives a few missed reports, not a device that went away.
        this.ttlSeconds = Math.max(60, config.reportInterval().toSeconds() * 10);
        this.historyIntervalMillis = config.statsHistoryInterval().toMillis();
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
        long now = System.currentTimeMillis();
        for (String device : List.copyOf(pendingStats.keySet())) {
            String stats = pendingStats.remove(device);
            if (stats != null) {
                writes.add(Request.cmd(Command.SET)
                        .arg(prefix + "stats:" + device)
                        .arg(stats)
                        .arg("EX")
                        .arg(ttlSeconds));
                Long last = lastSampled.get(device);
                if (last == null || now - last >= historyIntervalMillis) {
                    lastSampled.put(device, now);
                    writes.addAll(sample(device, stats, now));
                }
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

    /** The writes that add one sample to the device's history and drop what is older than {@link #HISTORY}. */
    private List<Request> sample(String device, String stats, long now) {
        String key = prefix + "stats-history:" + device;
        // The member leads with its time, so that two equal reports at different times stay two samples.
        String member = Instant.ofEpochMilli(now) + " " + stats;
        return List.of(
                Request.cmd(Command.ZADD).arg(key).arg(now).arg(member),
                Request.cmd(Command.ZREMRANGEBYSCORE).arg(key).arg("-inf").arg("(" + (now - HISTORY.toMillis())),
                Request.cmd(Command.EXPIRE).arg(key).arg(HISTORY.toSeconds() + ttlSeconds));
    }

    /** A stats sample: when it was taken and the stats as the agent reported them (a JSON object). */
    public record Sample(Instant at, String stats) {}

    /** The device's samples of the last {@link #HISTORY}, oldest first. */
    public Uni<List<Sample>> history(String deviceUuid) {
        long since = System.currentTimeMillis() - HISTORY.toMillis();
        return redis.send(Request.cmd(Command.ZRANGEBYSCORE)
                        .arg(prefix + "stats-history:" + deviceUuid)
                        .arg(since)
                        .arg("+inf"))
                .map(members -> {
                    List<Sample> samples = new ArrayList<>();
                    if (members != null) {
                        for (Response member : members) {
                            String text = member.toString();
                            int space = text.indexOf(' ');
                            samples.add(new Sample(Instant.parse(text.substring(0, space)), text.substring(space + 1)));
                        }
                    }
                    return samples;
                });
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
