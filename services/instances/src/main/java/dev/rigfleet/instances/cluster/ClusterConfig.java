package dev.rigfleet.instances.cluster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The Kubernetes objects of instances, when the service runs in a cluster (the chart turns it on). */
@ConfigMapping(prefix = "rigfleet.instances.kubernetes")
public interface ClusterConfig {

    /** The kind of Service that carries an instance's {@code fwd} to the users. */
    enum FwdServiceType {
        /** {@code fwd} is {@code rigfleet.instances.fwd-address} (a node's address, or one in front of the nodes) and the node port. */
        NodePort,
        /** {@code fwd} is the load balancer's address and the Service's port. */
        LoadBalancer
    }

    /** Off outside a cluster: {@code fwd} is then the tunnel's own address (or {@code fwd-address}) and port. */
    @WithDefault("false")
    boolean enabled();

    @WithDefault("NodePort")
    FwdServiceType fwdServiceType();

    /** Starts every object's name, and is the label that tells this installation's objects from another's. */
    @WithDefault("rigfleet")
    String objectPrefix();

    /** Where the objects go; by default the namespace the client runs in (the pod's). */
    Optional<String> namespace();

    /** How long an instance waits for its Service's node port or load balancer address before INIT_FAIL. */
    @WithDefault("60s")
    Duration addressTimeout();

    /** Instances' VPN servers, each a workload of its own ({@code vpn.VpnWorkloads}). */
    Vpn vpn();

    interface Vpn {

        /**
         * The VPN server's image (Debian with openvpn: {@code make images} builds {@code rigfleet/rigfleet-vpn}).
         * Unset: this installation runs no VPN servers, and {@code vpn: true} is refused with that reason.
         */
        Optional<String> image();

        /**
         * Where the VPN servers run: a namespace whose Pod Security level is {@code privileged}, for their
         * {@code NET_ADMIN} and {@code /dev/net/tun}. Unset: the namespace of the other objects.
         */
        Optional<String> namespace();

        /** How long an instance waits for its VPN server's pod to serve before INIT_FAIL (an image pull among it). */
        @WithDefault("120s")
        Duration startTimeout();
    }
}
