package dev.rigfleet.common.redis;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which devices are online right now: the device link keeps one key per connected device, {@code
 * <prefix>presence:device:<uuid>}, holding the coordinator replica that has it and expiring unless renewed. Redis is
 * the only live source of "online"; the registry keeps just the durable history of transitions.
 */
@ApplicationScoped
public class Presence {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private final Redis redis;
    private final String prefix;

    public Presence(Redis redis, RedisNamespace namespace) {
        this.redis = redis;
        this.prefix = namespace.keyPrefix() + "presence:device:";
    }

    public String key(String deviceUuid) {
        return prefix + deviceUuid;
    }

    /** The online ones among these devices; empty when Redis cannot tell (then nobody knows). */
    public Uni<Optional<Set<String>>> online(List<String> deviceUuids) {
        if (deviceUuids.isEmpty()) {
            return Uni.createFrom().item(Optional.of(Set.of()));
        }
        Request mget = Request.cmd(Command.MGET);
        deviceUuids.forEach(uuid -> mget.arg(key(uuid)));
        return redis.send(mget)
                .ifNoItem()
                .after(TIMEOUT)
                .fail()
                .map(values -> Optional.of(onlineOnes(deviceUuids, values)))
                .onFailure()
                .recoverWithItem(Optional.empty());
    }

    private static Set<String> onlineOnes(List<String> deviceUuids, Response values) {
        Set<String> online = new HashSet<>();
        for (int i = 0; i < deviceUuids.size(); i++) {
            if (values.get(i) != null) {
                online.add(deviceUuids.get(i));
            }
        }
        return online;
    }
}
