package dev.rigfleet.coordinator.service;

import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What agents report about themselves between target states: their latest stats and their apps' health. Kept in
 * Redis, shared by every replica, and expiring when an agent stops reporting; nothing here is durable.
 */
@ApplicationScoped
public class AgentReports {

    /** The healths an app may report (Coder's). */
    public static final Set<String> HEALTHS = Set.of("disabled", "initializing", "healthy", "unhealthy");

    private final Redis redis;
    private final String prefix;
    private final long ttlSeconds;

    public AgentReports(Redis redis, RedisNamespace namespace, CoordinatorConfig config) {
        this.redis = redis;
        this.prefix = namespace.keyPrefix() + "agent:";
        // Outlives a few missed reports, not a device that went away.
        this.ttlSeconds = Math.max(60, config.reportInterval().toSeconds() * 10);
    }

    public Uni<Void> storeStats(String deviceUuid, String statsJson) {
        return redis.send(Request.cmd(Command.SET)
                        .arg(prefix + "stats:" + deviceUuid)
                        .arg(statsJson)
                        .arg("EX")
                        .arg(ttlSeconds))
                .replaceWithVoid();
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
