package dev.rigfleet.agent.link;

import io.vertx.core.Future;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * What the device-facing APIs ({@code supervisor/}, {@code iofog/}) need of the link home: who the device is, where
 * the platform is, whether it is connected, a way to report, and the ioFog API's provision and deprovision.
 * {@link AgentHome} is the one implementation.
 */
public interface DeviceLink {

    /** The device's identity, once it has one (none while it is not enrolled, or serves its local APIs only). */
    Optional<DeviceIdentity> identity();

    /** The platform's base URLs the agent dials; empty when it does not dial home. */
    List<URI> servers();

    /** Whether the agent dials home now: it has an identity and a connection object. */
    boolean dialling();

    /** Whether the platform has welcomed the current connection. */
    boolean connected();

    /**
     * Sends the device's state over the link (re-sent until acknowledged, buffered while offline); {@code false},
     * and nothing kept, when the agent does not dial home.
     */
    boolean report(String stateJson);

    /** Enrols with a provisioning key (one attempt, the ioFog API's provision), then dials home. */
    Future<DeviceIdentity> provision(String provisioningKey);

    /** Stops dialling (and enrolling) and forgets the device's identity (the ioFog API's deprovision). */
    Future<Void> forget();
}
