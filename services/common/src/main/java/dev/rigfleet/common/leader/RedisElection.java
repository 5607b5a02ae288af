package dev.rigfleet.common.leader;

import dev.rigfleet.common.redis.RedisNamespace;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The election as one Redis key, {@code <prefix>leader:<name>}, holding the leader's identity with the term as its
 * time to live: taken with {@code SET NX}, renewed only while it still names this replica. A renewal that fails
 * (Redis away) ends the role at once on this side, before the key can expire and another replica take it.
 */
final class RedisElection implements Election {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String IF_HOLDER_RENEW =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
    private static final String IF_HOLDER_DELETE =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private final Redis redis;
    private final Vertx vertx;
    private final String key;
    private final Duration term;
    private final Duration renewInterval;
    private String identity;
    private Consumer<Boolean> leading;
    private volatile boolean held;
    private volatile boolean stopped;
    private long timer = -1;

    RedisElection(Redis redis, Vertx vertx, RedisNamespace namespace, LeadershipConfig config) {
        this.redis = redis;
        this.vertx = vertx;
        this.key = namespace.keyPrefix() + "leader:" + config.name();
        this.term = config.term();
        this.renewInterval = config.renewInterval();
    }

    @Override
    public void start(String identity, Consumer<Boolean> leading) {
        this.identity = identity;
        this.leading = leading;
        round();
        timer = vertx.setPeriodic(renewInterval.toMillis(), ignored -> round());
    }

    @Override
    public void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
        if (held) {
            held = false;
            leading.accept(false);
            try {
                call(Request.cmd(Command.EVAL)
                                .arg(IF_HOLDER_DELETE)
                                .arg(1)
                                .arg(key)
                                .arg(identity))
                        .await()
                        .atMost(TIMEOUT);
            } catch (RuntimeException e) {
                // Redis is already gone (the client closes first at shutdown): the key runs out with its term.
                Log.debugf("Could not release %s at shutdown (%s)", key, e.getMessage());
            }
        }
    }

    /** Renews the term if held, else tries to take it. */
    void round() {
        Request request = held
                ? Request.cmd(Command.EVAL)
                        .arg(IF_HOLDER_RENEW)
                        .arg(1)
                        .arg(key)
                        .arg(identity)
                        .arg(term.toMillis())
                : Request.cmd(Command.SET)
                        .arg(key)
                        .arg(identity)
                        .arg("NX")
                        .arg("PX")
                        .arg(term.toMillis());
        call(request).subscribe().with(this::answered, failure -> {
            if (held) {
                Log.warnf("Could not renew the leadership of %s (%s): giving it up until Redis answers", key, failure);
            }
            change(false);
        });
    }

    private void answered(Response response) {
        // SET NX answers OK or nothing; the renewal script 1 or 0.
        boolean ours = response != null && ("OK".equals(response.toString()) || response.toInteger() == 1);
        change(ours);
    }

    private synchronized void change(boolean nowHeld) {
        if (!stopped && nowHeld != held) {
            held = nowHeld;
            leading.accept(nowHeld);
        }
    }

    private Uni<Response> call(Request request) {
        return redis.send(request).ifNoItem().after(TIMEOUT).fail();
    }
}
