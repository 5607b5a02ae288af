package dev.rigfleet.instances.vpn;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.instances.config.InstancesConfig;
import dev.rigfleet.instances.vpn.VpnRepository.Vpn;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * VPN servers as processes of this replica ({@link LocalVpnServer}), each on a port of
 * {@code rigfleet.instances.vpn.ports} at {@code rigfleet.instances.vpn.address}. Whether this replica can run them
 * is checked once at start: the tun device, permission to make network namespaces, and the {@code openvpn} program.
 */
@ApplicationScoped
public class LocalVpnServers implements VpnServers {

    private final VpnRepository vpns;
    private final VpnConfig config;
    private final String replica = replicaName();
    private final String publicAddress;
    private final Map<UUID, LocalVpnServer> servers = new ConcurrentHashMap<>();
    /** The CRL number each server here runs with. */
    private final Map<UUID, Long> appliedCrl = new ConcurrentHashMap<>();

    private volatile Optional<String> unavailable = Optional.of("the VPN check has not run yet");

    LocalVpnServers(VpnRepository vpns, VpnConfig config, InstancesConfig instances) {
        this.vpns = vpns;
        this.config = config;
        this.publicAddress = config.address().or(instances::fwdAddress).orElse("127.0.0.1");
    }

    /** Run by {@link Vpns} at start when the servers are this replica's. */
    void check() {
        unavailable = why();
        unavailable.ifPresentOrElse(
                reason -> Log.warnf("Instances cannot have a VPN on this replica: %s", reason),
                () -> Log.info("Instances can have a VPN on this replica (openvpn, /dev/net/tun, namespaces)"));
    }

    @Override
    public Optional<String> unavailable() {
        return unavailable;
    }

    @Override
    public Uni<Place> place(UUID instanceId, int attempt) {
        return vpns.livePorts(replica).map(ports -> new Place(replica, freePort(ports, attempt)));
    }

    @Override
    public Remote start(Vpn vpn, ServerFiles files) throws IOException, InterruptedException {
        LocalVpnServer server = LocalVpnServer.start(
                config.dir().resolve(vpn.instanceId().toString()),
                vpn.instanceId().toString(),
                Vpns.network(vpn),
                vpn.port(),
                files.ca(),
                files.server(),
                files.staticKey(),
                files.crl());
        servers.put(vpn.instanceId(), server);
        appliedCrl.put(vpn.instanceId(), vpn.crlNumber());
        return new Remote(publicAddress, vpn.port());
    }

    @Override
    public void enforce(Vpn vpn, String crl, List<String> dropped) throws IOException {
        LocalVpnServer server = servers.get(vpn.instanceId());
        if (server == null) {
            return;
        }
        server.replaceCrl(crl);
        appliedCrl.put(vpn.instanceId(), vpn.crlNumber());
        for (String commonName : dropped) {
            server.drop(commonName);
        }
    }

    @Override
    public Optional<Long> appliedCrl(UUID instanceId) {
        return Optional.ofNullable(appliedCrl.get(instanceId));
    }

    @Override
    public Set<UUID> running() {
        return Set.copyOf(servers.keySet());
    }

    @Override
    public boolean runsHere(UUID instanceId) {
        return servers.containsKey(instanceId);
    }

    @Override
    public void stop(UUID instanceId) {
        LocalVpnServer server = servers.remove(instanceId);
        appliedCrl.remove(instanceId);
        if (server != null) {
            server.close();
        }
    }

    void stopAll(@Observes ShutdownEvent stopping) {
        running().forEach(this::stop);
    }

    private int freePort(List<Integer> taken, int attempt) {
        String[] range = config.ports().split("-");
        int first = Integer.parseInt(range[0].trim());
        int last = Integer.parseInt(range[range.length - 1].trim());
        int skipped = 0;
        for (int port = first; port <= last; port++) {
            if (!taken.contains(port) && ++skipped >= attempt) {
                return port;
            }
        }
        throw ApiException.unavailable("every VPN port of " + config.ports() + " on this replica is in use");
    }

    private static Optional<String> why() {
        Path tun = Path.of("/dev/net/tun");
        if (!Files.isReadable(tun) || !Files.isWritable(tun)) {
            return Optional.of("this platform has no usable /dev/net/tun");
        }
        try {
            LocalVpnServer.run(List.of("openvpn", "--version"));
        } catch (IOException e) {
            return Optional.of("openvpn cannot be run (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking for openvpn");
        }
        String probe = "rfvprobe" + UUID.randomUUID().toString().substring(0, 6);
        try {
            LocalVpnServer.run(List.of("ip", "netns", "add", probe));
            LocalVpnServer.run(List.of("ip", "netns", "del", probe));
        } catch (IOException e) {
            return Optional.of("this service may not make network namespaces (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking network namespaces");
        }
        return Optional.empty();
    }

    private static String replicaName() {
        try {
            return InetAddress.getLocalHost().getHostName() + "/"
                    + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "replica/" + ProcessHandle.current().pid();
        }
    }
}
