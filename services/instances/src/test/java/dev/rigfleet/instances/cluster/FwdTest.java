package dev.rigfleet.instances.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code fwd} as read back from an instance's Service, for each kind of Service and before it has an address. */
class FwdTest {

    private static final Optional<String> NODES = Optional.of("203.0.113.7");

    @Test
    void aNodePortIsReachedAtTheNodesAddress() {
        assertEquals(Optional.of(new Fwd("203.0.113.7", 31022)), Fwd.of(nodePort(31022), NODES));
    }

    @Test
    void aNodePortWithoutItsPortOrWithoutANodeAddressIsNotReachableYet() {
        assertEquals(Optional.empty(), Fwd.of(nodePort(null), NODES));
        assertEquals(Optional.empty(), Fwd.of(nodePort(31022), Optional.empty()));
    }

    @Test
    void aLoadBalancerIsReachedAtItsIngressIpElseItsHostName() {
        assertEquals(
                Optional.of(new Fwd("198.51.100.4", 22)), Fwd.of(loadBalancer("198.51.100.4", "lb.example"), NODES));
        assertEquals(Optional.of(new Fwd("lb.example", 22)), Fwd.of(loadBalancer(null, "lb.example"), NODES));
    }

    @Test
    void aLoadBalancerWithoutIngressIsNotReachableYet() {
        Service pending = new ServiceBuilder(loadBalancer("x", null))
                .withNewStatus()
                .endStatus()
                .build();
        assertEquals(Optional.empty(), Fwd.of(pending, NODES));
        assertEquals(Optional.empty(), Fwd.of(null, NODES));
    }

    private static Service nodePort(Integer nodePort) {
        return new ServiceBuilder()
                .withNewSpec()
                .withType("NodePort")
                .addNewPort()
                .withPort(42001)
                .withNodePort(nodePort)
                .endPort()
                .endSpec()
                .build();
    }

    private static Service loadBalancer(String ip, String hostname) {
        return new ServiceBuilder()
                .withNewSpec()
                .withType("LoadBalancer")
                .addNewPort()
                .withPort(22)
                .endPort()
                .endSpec()
                .withNewStatus()
                .withNewLoadBalancer()
                .addNewIngress()
                .withIp(ip)
                .withHostname(hostname)
                .endIngress()
                .endLoadBalancer()
                .endStatus()
                .build();
    }
}
