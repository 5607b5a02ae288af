package dev.rigfleet.common.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A user's machine in tests: a network namespace of the test's, joined to this machine by a veth /30 (the machine's
 * side has {@code hostSide}, the namespace's the next address), running the real {@code openvpn} client with an
 * .ovpn. {@link #close()} removes the veth pair and the namespace.
 */
public final class OpenVpnClient implements AutoCloseable {

    private final String namespace;
    private final Path dir;
    private final Path log;
    private Process process;

    private OpenVpnClient(String namespace, Path dir) {
        this.namespace = namespace;
        this.dir = dir;
        this.log = dir.resolve(namespace + ".log");
    }

    /** A machine that connects with the .ovpn at once. */
    public static OpenVpnClient start(String namespace, String hostSide, String ovpn, Path dir) throws Exception {
        OpenVpnClient machine = machine(namespace, hostSide, dir);
        try {
            machine.connect(ovpn);
            return machine;
        } catch (Exception e) {
            machine.close();
            throw e;
        }
    }

    /**
     * The machine and its network, not yet on a VPN; its {@code hostSide} address is the machine's from now on.
     *
     * @param hostSide the first host address of a private /30 that nothing else on the machine uses
     */
    public static OpenVpnClient machine(String namespace, String hostSide, Path dir) throws Exception {
        String[] octets = hostSide.split("\\.");
        String clientSide = octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) + 1);
        String veth = namespace + "h";
        HostNetwork.runOrFail(List.of("ip", "netns", "add", namespace));
        try {
            HostNetwork.runOrFail(
                    List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace));
            HostNetwork.runOrFail(List.of("ip", "addr", "add", hostSide + "/30", "dev", veth));
            HostNetwork.runOrFail(List.of("ip", "link", "set", veth, "up"));
            HostNetwork.runOrFail(List.of("ip", "-n", namespace, "addr", "add", clientSide + "/30", "dev", "eth0"));
            HostNetwork.runOrFail(List.of("ip", "-n", namespace, "link", "set", "eth0", "up"));
            HostNetwork.runOrFail(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
            // The VPN's public address may be any of the machine's: the machine is this namespace's way out.
            HostNetwork.runOrFail(List.of("ip", "-n", namespace, "route", "add", "default", "via", hostSide));
            return new OpenVpnClient(namespace, dir);
        } catch (Exception e) {
            HostNetwork.runOrFail(List.of("ip", "netns", "del", namespace));
            throw e;
        }
    }

    /** Runs the real {@code openvpn} client in the namespace with this .ovpn. */
    public void connect(String ovpn) throws IOException {
        Path config = dir.resolve(namespace + ".ovpn");
        Files.writeString(config, ovpn);
        process = new ProcessBuilder("ip", "netns", "exec", namespace, "openvpn", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** Stops the client; the machine and its network stay, ready to {@link #connect} again. */
    public void disconnect() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            process = null;
        }
    }

    public String namespace() {
        return namespace;
    }

    public boolean connected() throws IOException {
        return log().contains("Initialization Sequence Completed");
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The command's exit code and output, run in the namespace. */
    public HostNetwork.Result inside(String... command) throws Exception {
        List<String> line = new java.util.ArrayList<>(List.of("ip", "netns", "exec", namespace));
        line.addAll(List.of(command));
        Process run = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new HostNetwork.Result(run.waitFor(30, TimeUnit.SECONDS) ? run.exitValue() : -1, output);
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
        disconnect();
        // Deleting the machine's end deletes the pair at once; with the namespace alone it can linger (while the
        // kernel still holds the namespace's last sockets).
        HostNetwork.run("ip", "link", "del", namespace + "h");
        HostNetwork.runOrFail(List.of("ip", "netns", "del", namespace));
    }
}
