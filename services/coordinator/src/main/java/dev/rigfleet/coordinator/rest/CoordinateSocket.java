package dev.rigfleet.coordinator.rest;

import dev.rigfleet.coordinator.auth.DeviceIdentityProvider;
import dev.rigfleet.coordinator.service.AgentLinks;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;

/**
 * {@code GET /api/v2/workspaceagents/me/coordinate}: the agent's one connection home (101 Switching Protocols). The
 * upgrade needs a device credential; the frames are the protocol of {@code proto/rigfleet/agent/link.proto}.
 */
@WebSocket(path = CoordinateSocket.PATH)
@RolesAllowed(DeviceIdentityProvider.DEVICE_ROLE)
public class CoordinateSocket {

    /** Where agents dial. */
    static final String PUBLIC_PATH = "/api/v2/workspaceagents/me/coordinate";

    /**
     * Where the endpoint is served: {@link #PUBLIC_PATH} is rerouted here ({@link AgentSocketAccess#install}), since
     * it would also match the users' {@code /{id}/coordinate}.
     */
    static final String PATH = "/api/v2/workspaceagents/me/link";

    private final AgentLinks links;
    private final SecurityIdentity identity;

    public CoordinateSocket(AgentLinks links, SecurityIdentity identity) {
        this.links = links;
        this.identity = identity;
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        links.opened(connection, identity.getAttribute(DeviceIdentityProvider.DEVICE_ATTRIBUTE));
    }

    @OnBinaryMessage
    public Uni<Void> frame(byte[] frame, WebSocketConnection connection) {
        return links.received(connection, frame);
    }

    @OnClose
    public Uni<Void> close(WebSocketConnection connection) {
        return links.closed(connection);
    }
}
