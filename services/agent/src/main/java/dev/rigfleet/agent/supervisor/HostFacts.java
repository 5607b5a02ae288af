package dev.rigfleet.agent.supervisor;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** What the supervisor API tells about the device itself. */
@ApplicationScoped
public class HostFacts {

    /**
     * The supervisor version the agent answers as: the level of balena's API it serves (v1 with host-config, from
     * 6.6.0). balena's clients choose routes by it, and below 7.0.0 they use the v1 routes this agent serves.
     */
    public static final String SUPERVISOR_VERSION = "6.6.0";

    private final int apiPort;
    private volatile boolean tcpPing = true;

    public HostFacts(@ConfigProperty(name = "quarkus.http.port") int apiPort) {
        this.apiPort = apiPort;
    }

    public int apiPort() {
        return apiPort;
    }

    /** The device's non-loopback IPv4 addresses, space-separated, as the supervisor lists them. */
    public String ipAddresses() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(HostFacts::up)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(address -> address instanceof Inet4Address && !address.isLoopbackAddress())
                    .map(address -> address.getHostAddress())
                    .collect(Collectors.joining(" "));
        } catch (SocketException e) {
            return "";
        }
    }

    /** The host OS's PRETTY_NAME from /etc/os-release. */
    public String osVersion() {
        try {
            return Files.readAllLines(Path.of("/etc/os-release")).stream()
                    .filter(line -> line.startsWith("PRETTY_NAME="))
                    .map(line -> line.substring("PRETTY_NAME=".length()).replace("\"", ""))
                    .findFirst()
                    .orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * balena's TCP ping heartbeat toggle. rigfleet's link pings all the time, whatever this says; the setting is
     * kept so that clients that set it see it kept.
     */
    public void tcpPing(boolean enabled) {
        tcpPing = enabled;
    }

    public boolean tcpPing() {
        return tcpPing;
    }

    private static boolean up(NetworkInterface network) {
        try {
            return network.isUp();
        } catch (SocketException e) {
            return false;
        }
    }
}
