package dev.rigfleet.instances.cluster;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Optional;

/**
 * Where users reach a Service of an instance: its SSH server ({@code fwd.ipv4} and {@code fwd.port}), or its VPN
 * server (the {@code remote} of its clients).
 */
public record Fwd(String host, int port) {

    /**
     * Read back from the instance's Service once Kubernetes has given it an address: a LoadBalancer's first
     * ingress (its IP, else its host name) and the Service's port; a NodePort's node port at {@code nodeAddress}.
     * Empty until then.
     */
    static Optional<Fwd> of(Service service, Optional<String> nodeAddress) {
        if (service == null || service.getSpec().getPorts().isEmpty()) {
            return Optional.empty();
        }
        ServicePort port = service.getSpec().getPorts().get(0);
        if ("LoadBalancer".equals(service.getSpec().getType())) {
            List<LoadBalancerIngress> ingress =
                    service.getStatus() == null || service.getStatus().getLoadBalancer() == null
                            ? List.of()
                            : service.getStatus().getLoadBalancer().getIngress();
            if (ingress == null || ingress.isEmpty()) {
                return Optional.empty();
            }
            String host = ingress.get(0).getIp() != null
                    ? ingress.get(0).getIp()
                    : ingress.get(0).getHostname();
            return Optional.ofNullable(host).map(address -> new Fwd(address, port.getPort()));
        }
        return Optional.ofNullable(port.getNodePort())
                .flatMap(nodePort -> nodeAddress.map(address -> new Fwd(address, nodePort)));
    }
}
