package dev.rigfleet.coordinator.service;

import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The agent connections this replica holds: every open one by connection id, the welcomed ones by device. */
@ApplicationScoped
class HeldLinks {

    private final Map<String, Link> byConnection = new ConcurrentHashMap<>();
    private final Map<String, Link> byDevice = new ConcurrentHashMap<>();

    HeldLinks(MeterRegistry meters) {
        Gauge.builder("rigfleet.agents.held", byDevice, Map::size)
                .description("Agent connections this replica holds (welcomed devices)")
                .register(meters);
    }

    void opened(WebSocketConnection connection, DeviceIdentity device) {
        byConnection.put(connection.id(), new Link(connection, device));
    }

    Link ofConnection(String connectionId) {
        return byConnection.get(connectionId);
    }

    Link removeConnection(String connectionId) {
        return byConnection.remove(connectionId);
    }

    Collection<Link> connections() {
        return byConnection.values();
    }

    /** Makes the link the device's; answers the link it replaced, if any. */
    Link welcomed(Link link) {
        Link replaced = byDevice.put(link.device.uuid(), link);
        return replaced == link ? null : replaced;
    }

    /** Forgets the link as its device's, unless a newer one replaced it already. */
    void forgotten(Link link) {
        byDevice.remove(link.device.uuid(), link);
    }

    /** The device's welcomed link, if this replica holds it. */
    Link ofDevice(String deviceUuid) {
        return byDevice.get(deviceUuid);
    }

    /** The connection of the device at that epoch, if this replica holds it open. */
    Link held(String deviceUuid, long epoch) {
        Link link = byDevice.get(deviceUuid);
        return link != null && link.epoch == epoch && link.connection.isOpen() ? link : null;
    }

    Collection<Link> welcomed() {
        return byDevice.values();
    }
}
