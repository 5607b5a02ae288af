package dev.rigfleet.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The floor of a proxied command: the hops rigfleet's path takes, each done by the least a Vert.x program can do, so
 * that rigfleet's latency can be read against it. Three roles, each its own process as rigfleet's are:
 *
 * <ul>
 *   <li>{@code front} (the registry's place): an HTTP server that publishes each request to Redis and answers once
 *       the reply comes back on its own channel;
 *   <li>{@code relay} (the coordinator's place): subscribed to the requests, forwards each over a WebSocket to the
 *       device and publishes the device's answer to the front's channel;
 *   <li>{@code device} (the agent's place): a WebSocket client that answers every frame with {@code OK}.
 * </ul>
 *
 * No authentication, no database, no serialisation beyond a correlation id: what is left is the network and Redis.
 *
 * <p>Usage: {@code FloorChain --role front|relay|device --redis-port P --channel C --port N}.
 */
public final class FloorChain {

    private FloorChain() {}

    public static void main(String[] args) {
        String role = Args.string(args, "--role", "");
        int redisPort = Args.integer(args, "--redis-port", 6379);
        String channel = Args.string(args, "--channel", "floor");
        int port = Args.integer(args, "--port", 0);
        Vertx vertx = Vertx.vertx();
        Redis redis = Redis.createClient(
                vertx,
                new RedisOptions()
                        .setConnectionString("redis://127.0.0.1:" + redisPort)
                        // As the services' pool is configured (quarkus.redis.max-pool-size, max-pool-waiting).
                        .setMaxPoolSize(16)
                        .setMaxPoolWaiting(2048));
        Future<?> started = switch (role) {
            case "front" -> front(vertx, redis, channel, port);
            case "relay" -> relay(vertx, redis, channel, port);
            case "device" -> device(vertx, port);
            default -> Future.failedFuture("--role must be front, relay or device");
        };
        started.onSuccess(ignored -> System.out.println("floor " + role + " ready"))
                .onFailure(e -> {
                    System.err.println("floor " + role + " failed: " + e);
                    System.exit(1);
                });
    }

    private static Future<?> front(Vertx vertx, Redis redis, String channel, int port) {
        Map<String, HttpServerResponse> waiting = new HashMap<>();
        String replies = channel + ":replies";
        return subscribe(redis, replies, message -> {
                    int bar = message.indexOf('|');
                    HttpServerResponse response = waiting.remove(message.substring(0, bar));
                    if (response != null) {
                        response.putHeader("Content-Type", "text/plain").end(message.substring(bar + 1));
                    }
                })
                .compose(subscribed -> vertx.createHttpServer()
                        .requestHandler(request -> request.body().onSuccess(body -> {
                            String id = UUID.randomUUID().toString();
                            waiting.put(id, request.response());
                            redis.send(Request.cmd(Command.PUBLISH)
                                            .arg(channel + ":requests")
                                            .arg(id + "|" + body))
                                    .onFailure(e -> {
                                        waiting.remove(id);
                                        request.response().setStatusCode(503).end();
                                    });
                        }))
                        .listen(port, "127.0.0.1"));
    }

    private static Future<?> relay(Vertx vertx, Redis redis, String channel, int port) {
        ServerWebSocket[] device = new ServerWebSocket[1];
        return vertx.createHttpServer()
                .webSocketHandler(socket -> {
                    device[0] = socket;
                    socket.textMessageHandler(answer -> redis.send(Request.cmd(Command.PUBLISH)
                            .arg(channel + ":replies")
                            .arg(answer)));
                })
                .listen(port, "127.0.0.1")
                .compose(listening -> subscribe(redis, channel + ":requests", message -> {
                    if (device[0] != null) {
                        device[0].writeTextMessage(message);
                    }
                }));
    }

    /** Dials the relay, again every 200 ms until it listens. */
    private static Future<?> device(Vertx vertx, int relayPort) {
        Promise<Void> connected = Promise.promise();
        dial(vertx, vertx.createHttpClient(), relayPort, connected);
        return connected.future();
    }

    private static void dial(Vertx vertx, HttpClient client, int relayPort, Promise<Void> connected) {
        client.webSocket(new WebSocketConnectOptions()
                        .setHost("127.0.0.1")
                        .setPort(relayPort)
                        .setURI("/"))
                .onSuccess(socket -> {
                    echo(socket);
                    connected.complete();
                })
                .onFailure(e -> vertx.setTimer(200, timer -> dial(vertx, client, relayPort, connected)));
    }

    private static void echo(WebSocket socket) {
        socket.textMessageHandler(message -> {
            int bar = message.indexOf('|');
            socket.writeTextMessage(message.substring(0, bar) + "|OK");
        });
    }

    /** A connection of its own, subscribed to the channel, handing each message's payload on. */
    private static Future<?> subscribe(Redis redis, String channel, Consumer<String> handler) {
        return redis.connect().compose(connection -> {
            connection.handler((Response message) -> {
                if (message.size() >= 3 && "message".equals(message.get(0).toString())) {
                    handler.accept(message.get(2).toString());
                }
            });
            return connection.send(Request.cmd(Command.SUBSCRIBE).arg(channel));
        });
    }
}
