package dev.rigfleet.instances.vpn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A user's machine in tests: a network namespace of the test's, joined to this machine by a veth /30 (the machine's
 * side has {@code hostSide}, the namespace's the next address), running the real {@code openvpn} client with an
 * .ovpn. {@link #close()} removes the namespace, and the veth pair with it.
 */
public final class OpenVpnClient implements AutoCloseable {

    private final String namespace;
    private final Path log;
    private final Process process;

    private OpenVpnClient(String namespace, Path log, Process process) {
        this.namespace = namespace;
        this.log = log;
        this.process = process;
    }

    /** @param hostSide the first host address of a private /30 that nothing else on the machine uses */
    public static OpenVpnClient start(String namespace, String hostSide, String ovpn, Path dir) throws Exception {
        String[] octets = hostSide.split("\\.");
        String clientSide = octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) + 1);
        String veth = namespace + "h";
        LocalVpnServer.run(List.of("ip", "netns", "add", namespace));
        try {
            LocalVpnServer.run(
                    List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace));
            LocalVpnServer.run(List.of("ip", "addr", "add", hostSide + "/30", "dev", veth));
            LocalVpnServer.run(List.of("ip", "link", "set", veth, "up"));
            LocalVpnServer.run(List.of("ip", "-n", namespace, "addr", "add", clientSide + "/30", "dev", "eth0"));
            LocalVpnServer.run(List.of("ip", "-n", namespace, "link", "set", "eth0", "up"));
            LocalVpnServer.run(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
            // The VPN's public address may be any of the machine's: the machine is this namespace's way out.
            LocalVpnServer.run(List.of("ip", "-n", namespace, "route", "add", "default", "via", hostSide));
            Path config = dir.resolve(namespace + ".ovpn");
            Files.writeString(config, ovpn);
            Path log = dir.resolve(namespace + ".log");
            Process process = new ProcessBuilder(
                            "ip", "netns", "exec", namespace, "openvpn", "--config", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new OpenVpnClient(namespace, log, process);
        } catch (Exception e) {
            LocalVpnServer.run(List.of("ip", "netns", "del", namespace));
            throw e;
        }
    }

    public String namespace() {
        return namespace;
    }

    public boolean connected() throws IOException {
        return Files.readString(log).contains("Initialization Sequence Completed");
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** ping's exit code for one ping from the namespace: 0 when the address answered. */
    public int ping(String address) throws Exception {
        Process ping = new ProcessBuilder("ip", "netns", "exec", namespace, "ping", "-c", "1", "-W", "2", address)
                .redirectErrorStream(true)
                .start();
        ping.getInputStream().readAllBytes();
        return ping.waitFor(10, TimeUnit.SECONDS) ? ping.exitValue() : -1;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        LocalVpnServer.run(List.of("ip", "netns", "del", namespace));
    }
}
