package dev.rigfleet.common.testing;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;

/** Drops a named Redis connection the way a network failure or a Redis restart would. */
public final class RedisClients {

    private RedisClients() {}

    /** Kills the connections named {@code name} (the bus names its subscriber after the replica). */
    public static void kill(Redis redis, String name) {
        String clients = redis.send(Request.cmd(Command.CLIENT).arg("LIST"))
                .await()
                .atMost(Duration.ofSeconds(5))
                .toString();
        for (String line : clients.split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                String id = line.substring(line.indexOf("id=") + 3, line.indexOf(' ', line.indexOf("id=")));
                redis.send(Request.cmd(Command.CLIENT).arg("KILL").arg("ID").arg(id))
                        .await()
                        .atMost(Duration.ofSeconds(5));
            }
        }
    }
}
