package dev.rigfleet.common.redis;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which devices are online right now, and which coordinator replica holds each: one key per connected device,
 * {@code <prefix>presence:device:<uuid>}, holding {@code "<replica> <epoch>"} and expiring unless the holder renews
 * it. Each new connection of a device takes a higher epoch ({@code <prefix>presence:epoch:<uuid>}), so the newest
 * connection wins and a command routed at an older epoch is refused. Redis is the only live source of "online".
 */
@ApplicationScoped
public class Presence {

    /** Where a device is held, and by which of its connections. */
    public record Holder(String replica, long epoch) {}

    /**
     * A new connection's claim: its epoch, and whether another connection held the device just before (then the
     * device did not come online, it moved).
     */
    public record Claim(long epoch, boolean wasHeld) {}

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    // Renews or releases the key only while it still names this holder: a newer connection elsewhere wins.
    // The previous holder, the next epoch and the claim in one step: two racing claims cannot leave the older epoch
    // in place, and exactly one of them finds the device unheld.
    private static final String CLAIM = "local before = redis.call('GET', KEYS[2]) "
            + "local epoch = redis.call('INCR', KEYS[1]) "
            + "redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. epoch, 'EX', ARGV[2]) return {epoch, before}";
    private static final String IF_HOLDER_EXPIRE =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end return 0";
    // Many claims renewed in one step: answers the (1-based) positions of the keys no longer naming their holder.
    private static final String IF_HOLDERS_EXPIRE = "local lost = {} local ttl = ARGV[#KEYS + 1] "
            + "for i, key in ipairs(KEYS) do "
            + "if redis.call('GET', key) == ARGV[i] then redis.call('EXPIRE', key, ttl) else lost[#lost + 1] = i end "
            + "end return lost";
    /** A batch renewal runs in Redis at once: this many keys keep each run short for the other clients. */
    private static final int RENEWALS_PER_SCRIPT = 500;

    private static final String IF_HOLDER_DELETE =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private final Redis redis;
    private final String presencePrefix;
    private final String epochPrefix;

    public Presence(Redis redis, RedisNamespace namespace) {
        this.redis = redis;
        this.presencePrefix = namespace.keyPrefix() + "presence:device:";
        this.epochPrefix = namespace.keyPrefix() + "presence:epoch:";
    }

    public String key(String deviceUuid) {
        return presencePrefix + deviceUuid;
    }

    /** The online ones among these devices; empty when Redis cannot tell (then nobody knows). */
    public Uni<Optional<Set<String>>> online(List<String> deviceUuids) {
        return holders(deviceUuids).map(holders -> holders.map(Map::keySet));
    }

    /** Who holds each of these devices that is online, in one round trip; empty when Redis cannot tell. */
    public Uni<Optional<Map<String, Holder>>> holders(List<String> deviceUuids) {
        if (deviceUuids.isEmpty()) {
            return Uni.createFrom().item(Optional.of(Map.of()));
        }
        Request mget = Request.cmd(Command.MGET);
        deviceUuids.forEach(uuid -> mget.arg(key(uuid)));
        return redis.send(mget)
                .ifNoItem()
                .after(TIMEOUT)
                .fail()
                .map(values -> Optional.of(heldOnes(deviceUuids, values)))
                .onFailure()
                .recoverWithItem(Optional.empty());
    }

    /** Who holds the device now; empty when nobody does. */
    public Uni<Optional<Holder>> holder(String deviceUuid) {
        return redis.send(Request.cmd(Command.GET).arg(key(deviceUuid)))
                .ifNoItem()
                .after(TIMEOUT)
                .fail()
                .map(value -> Optional.ofNullable(value).map(Response::toString).map(Presence::parse));
    }

    /** Marks a new connection of the device as held by {@code replica}; answers its epoch. */
    public Uni<Claim> claim(String deviceUuid, String replica, Duration ttl) {
        Request claim = Request.cmd(Command.EVAL)
                .arg(CLAIM)
                .arg(2)
                .arg(epochPrefix + deviceUuid)
                .arg(key(deviceUuid))
                .arg(replica)
                .arg(ttl.toSeconds());
        return redis.send(claim).map(answer -> new Claim(answer.get(0).toLong(), answer.get(1) != null));
    }

    /**
     * Puts a claim back after Redis lost it (a restart keeps nothing), unless another connection has claimed the
     * device meanwhile; answers whether this holder holds it now.
     */
    public Uni<Boolean> reassert(String deviceUuid, Holder holder, Duration ttl) {
        return redis.send(Request.cmd(Command.SET)
                        .arg(key(deviceUuid))
                        .arg(holder.replica() + " " + holder.epoch())
                        .arg("NX")
                        .arg("EX")
                        .arg(ttl.toSeconds()))
                .chain(set -> set != null
                        ? Uni.createFrom().item(true)
                        : holder(deviceUuid).map(now -> now.map(holder::equals).orElse(false)));
    }

    /** Keeps the claim alive; false when another connection has taken the device since. */
    public Uni<Boolean> renew(String deviceUuid, Holder holder, Duration ttl) {
        return ifHolder(IF_HOLDER_EXPIRE, deviceUuid, holder, ttl.toSeconds());
    }

    /**
     * Keeps many claims alive in a few round trips (a script per {@value #RENEWALS_PER_SCRIPT} devices): what a
     * replica does for all it holds, instead of a renewal per device. Answers the devices whose claim was not
     * renewed, because another connection has taken the device or Redis lost the claim.
     */
    public Uni<Set<String>> renewAll(Map<String, Holder> held, Duration ttl) {
        List<Map.Entry<String, Holder>> entries = List.copyOf(held.entrySet());
        List<Uni<List<String>>> batches = new ArrayList<>();
        for (int from = 0; from < entries.size(); from += RENEWALS_PER_SCRIPT) {
            batches.add(renewBatch(entries.subList(from, Math.min(entries.size(), from + RENEWALS_PER_SCRIPT)), ttl));
        }
        if (batches.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return Uni.join().all(batches).andFailFast().map(lost -> {
            Set<String> all = new HashSet<>();
            lost.forEach(all::addAll);
            return all;
        });
    }

    private Uni<List<String>> renewBatch(List<Map.Entry<String, Holder>> batch, Duration ttl) {
        Request eval = Request.cmd(Command.EVAL).arg(IF_HOLDERS_EXPIRE).arg(batch.size());
        batch.forEach(entry -> eval.arg(key(entry.getKey())));
        batch.forEach(entry ->
                eval.arg(entry.getValue().replica() + " " + entry.getValue().epoch()));
        eval.arg(ttl.toSeconds());
        return redis.send(eval).map(lost -> {
            List<String> devices = new ArrayList<>();
            if (lost != null) {
                lost.forEach(position ->
                        devices.add(batch.get(position.toInteger() - 1).getKey()));
            }
            return devices;
        });
    }

    /** Gives the device up, unless another connection has taken it since. */
    public Uni<Boolean> release(String deviceUuid, Holder holder) {
        return ifHolder(IF_HOLDER_DELETE, deviceUuid, holder, 0);
    }

    private Uni<Boolean> ifHolder(String script, String deviceUuid, Holder holder, long seconds) {
        Request eval = Request.cmd(Command.EVAL)
                .arg(script)
                .arg(1)
                .arg(key(deviceUuid))
                .arg(holder.replica() + " " + holder.epoch());
        if (script.equals(IF_HOLDER_EXPIRE)) {
            eval.arg(seconds);
        }
        return redis.send(eval).map(result -> result.toLong() == 1);
    }

    private static Holder parse(String value) {
        int space = value.lastIndexOf(' ');
        return new Holder(value.substring(0, space), Long.parseLong(value.substring(space + 1)));
    }

    private static Map<String, Holder> heldOnes(List<String> deviceUuids, Response values) {
        Map<String, Holder> held = new HashMap<>();
        for (int i = 0; i < deviceUuids.size(); i++) {
            if (values.get(i) != null) {
                held.put(deviceUuids.get(i), parse(values.get(i).toString()));
            }
        }
        return held;
    }
}
