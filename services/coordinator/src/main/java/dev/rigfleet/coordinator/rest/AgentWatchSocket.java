package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.proto.bus.DeviceConnection;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/v2/workspaceagents/{id}/coordinate}: where Coder's clients exchange mesh nodes with the agent.
 * rigfleet relays everything through the coordinator and has no mesh, so the route tells a client what it needs to
 * coordinate with the agent: a JSON message when it opens and one on every change, {@code {"id", "online", "epoch",
 * "at"}}. Access is decided at the upgrade ({@link AgentSocketAccess}).
 */
@WebSocket(path = "/api/v2/workspaceagents/{id}/coordinate", endpointId = AgentWatchSocket.ENDPOINT)
@RolesAllowed(Caller.USER_SCOPE)
public class AgentWatchSocket {

    static final String ENDPOINT = "agent-watch";

    private final Map<String, Set<WebSocketConnection>> watchers = new ConcurrentHashMap<>();
    private final Presence presence;
    private final Bus bus;
    private final ObjectMapper json;

    public AgentWatchSocket(Presence presence, Bus bus, ObjectMapper json) {
        this.presence = presence;
        this.bus = bus;
        this.json = json;
    }

    void listen(@Observes StartupEvent started) {
        bus.onEvent(Topics.DEVICE_CONNECTION, this::connectionChanged);
    }

    @OnOpen
    public Uni<Void> open(WebSocketConnection connection) {
        String uuid = AgentIds.deviceUuid(connection.pathParam("id"));
        watchers.computeIfAbsent(uuid, ignored -> ConcurrentHashMap.newKeySet()).add(connection);
        return presence.holder(uuid)
                .chain(holder -> connection.sendText(message(
                        uuid,
                        holder.isPresent(),
                        holder.map(Presence.Holder::epoch).orElse(0L),
                        Instant.now())));
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        String uuid = AgentIds.deviceUuid(connection.pathParam("id"));
        watchers.computeIfPresent(uuid, (ignored, connections) -> {
            connections.remove(connection);
            return connections.isEmpty() ? null : connections;
        });
    }

    private void connectionChanged(DeviceConnection change) {
        Set<WebSocketConnection> watching = watchers.get(change.getUuid());
        if (watching == null) {
            return;
        }
        String message = message(
                change.getUuid(), change.getOnline(), change.getEpoch(), Instant.ofEpochMilli(change.getAtEpochMs()));
        watching.forEach(connection -> connection.sendText(message).subscribe().with(ok -> {}, e -> {}));
    }

    private String message(String uuid, boolean online, long epoch, Instant at) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", AgentIds.dashed(uuid));
        message.put("online", online);
        message.put("epoch", epoch);
        message.put("at", at.toString());
        try {
            return json.writeValueAsString(message);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
