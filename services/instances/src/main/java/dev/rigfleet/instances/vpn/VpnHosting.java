package dev.rigfleet.instances.vpn;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Whether this replica can run VPN servers, checked once at start: the tun device, permission to make network
 * namespaces, and the {@code openvpn} program. When it cannot, {@code vpn: true} is refused with the reason.
 */
@ApplicationScoped
public class VpnHosting {

    private volatile Optional<String> unavailable = Optional.of("the VPN check has not run yet");

    void check(@Observes StartupEvent started) {
        unavailable = why();
        unavailable.ifPresentOrElse(
                reason -> Log.warnf("Instances cannot have a VPN on this replica: %s", reason),
                () -> Log.info("Instances can have a VPN on this replica (openvpn, /dev/net/tun, namespaces)"));
    }

    /** Why this replica cannot host VPNs, or empty when it can. */
    public Optional<String> unavailable() {
        return unavailable;
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
}
