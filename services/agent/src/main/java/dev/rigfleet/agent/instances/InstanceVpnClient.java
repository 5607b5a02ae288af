package dev.rigfleet.agent.instances;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An instance's own OpenVPN client. The process runs in the agent's network namespace, which reaches the VPN server
 * as the agent reaches the platform, so the instance's namespace needs no route out and the host's firewall no NAT;
 * its tun device moves, as it comes up, into the instance's namespace as {@value #DEVICE}. The process outlives the
 * agent, as the container does: its pid is kept beside the configuration, and a restarted agent starts it again only
 * when it has died.
 */
final class InstanceVpnClient {

    /** The instance's VPN interface, as the instance sees it. */
    static final String DEVICE = "vpn0";

    private static final Duration CONNECT = Duration.ofSeconds(20);

    private final Path dir;
    private final String namespace;

    /** @param dir the instance's own directory of the agent's state, private to the agent's user */
    InstanceVpnClient(Path dir, String namespace) {
        this.dir = dir;
        this.namespace = namespace;
    }

    /** Whether this instance was made with a VPN. */
    boolean configured() {
        return Files.exists(config());
    }

    /** Keeps the instance's credentials, starts the client and waits until it has joined (at most 20 s). */
    void start(String ovpn) throws IOException {
        writePrivate(config(), ovpn);
        writePrivate(dir.resolve("vpn-up.sh"), upScript());
        Files.setPosixFilePermissions(dir.resolve("vpn-up.sh"), PosixFilePermissions.fromString("rwx------"));
        launch();
        Instant deadline = Instant.now().plus(CONNECT);
        while (Instant.now().isBefore(deadline)) {
            if (log().contains("Initialization Sequence Completed")) {
                return;
            }
            if (process().isEmpty() && Files.exists(pidFile())) {
                break;
            }
            ContainerInstanceRuntime.sleep(50); // openvpn says it has joined only in its log
        }
        throw new IllegalStateException("the instance's VPN client did not connect within " + CONNECT.toSeconds()
                + " s: " + String.join(" | ", tail()));
    }

    /** Starts the client again if it died while the agent was away (the server still knows its certificate). */
    void revive() {
        synchronized (InstanceVpnClient.class) { // two lookups at once must not start two clients
            if (configured() && process().isEmpty()) {
                Log.warnf("The VPN client in %s had stopped; starting it again", namespace);
                try {
                    launch();
                } catch (IOException e) {
                    Log.errorf("The VPN client in %s could not be started again: %s", namespace, e.getMessage());
                }
            }
        }
    }

    void stop() {
        process().ifPresent(ProcessHandle::destroy);
    }

    private void launch() throws IOException {
        Files.deleteIfExists(pidFile());
        new ProcessBuilder(
                        "openvpn",
                        "--config",
                        config().toString(),
                        "--writepid",
                        pidFile().toString(),
                        "--ifconfig-noexec",
                        "--route-noexec",
                        "--script-security",
                        "2",
                        "--up",
                        dir.resolve("vpn-up.sh").toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("vpn.log").toFile())
                .start();
    }

    /** The running client, found by its pid file and checked to be openvpn still (pids are reused). */
    private Optional<ProcessHandle> process() {
        try {
            if (!Files.exists(pidFile())) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile()).strip());
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(handle -> handle.info().command().orElse("").endsWith("openvpn"));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private String upScript() {
        // OpenVPN configures nothing itself (ifconfig-noexec): the device moves, takes its name, then its address.
        return "#!/bin/sh\nset -e\n"
                + "ip link set dev \"$dev\" netns " + namespace + "\n"
                + "ip -n " + namespace + " link set dev \"$dev\" name " + DEVICE + "\n"
                + "ip -n " + namespace + " addr add \"$ifconfig_local/$ifconfig_netmask\" dev " + DEVICE + "\n"
                + "ip -n " + namespace + " link set dev " + DEVICE + " mtu \"$tun_mtu\" up\n";
    }

    private Path config() {
        return dir.resolve("vpn.ovpn");
    }

    private Path pidFile() {
        return dir.resolve("vpn.pid");
    }

    private String log() {
        try {
            return Files.exists(dir.resolve("vpn.log")) ? Files.readString(dir.resolve("vpn.log")) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> tail() {
        List<String> lines = log().lines().toList();
        return lines.subList(Math.max(0, lines.size() - 5), lines.size());
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }
}
