package dev.rigfleet.coordinator.service;

import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import dev.rigfleet.proto.agent.ServerFrame;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One agent connection. {@code epoch} is 0 until the hello is accepted. */
final class Link {

    final WebSocketConnection connection;
    final DeviceIdentity device;
    volatile long epoch;
    volatile long lastHeardMillis = System.currentTimeMillis();
    /** The ids of the streams running over this connection. */
    final Set<String> streams = ConcurrentHashMap.newKeySet();

    Link(WebSocketConnection connection, DeviceIdentity device) {
        this.connection = connection;
        this.device = device;
    }

    Presence.Holder holder(String replica) {
        return new Presence.Holder(replica, epoch);
    }

    Uni<Void> send(ServerFrame frame) {
        return connection.sendBinary(frame.toByteArray());
    }

    /** Sends a frame without waiting; a connection that closed meanwhile ends its streams anyway. */
    void sendAndForget(ServerFrame frame) {
        send(frame).subscribe().with(ok -> {}, e -> {});
    }
}
