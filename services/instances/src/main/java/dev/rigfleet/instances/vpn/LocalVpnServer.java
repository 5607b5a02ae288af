package dev.rigfleet.instances.vpn;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One instance's OpenVPN server on this machine. The process holds the client port in the service's own network
 * namespace, so no relay copies the traffic; its tun device moves, as it comes up, into a namespace made for this VPN
 * ({@code rfv<8 hex>}), where its address lives: the VPN's addresses and routes are never the host's. The server
 * re-reads its CRL on each handshake, and drops a live client through its management socket.
 */
public final class LocalVpnServer implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(10);

    private final String namespace;
    private final Path dir;
    private final Process process;

    private LocalVpnServer(String namespace, Path dir, Process process) {
        this.namespace = namespace;
        this.dir = dir;
        this.process = process;
    }

    /** The namespace a VPN's tun device lives in. */
    public static String namespaceOf(String instanceId) {
        return "rfv" + instanceId.replace("-", "").substring(0, 8);
    }

    /**
     * Starts the server and waits until it serves (at most 10 s).
     *
     * @param dir a directory of the service's own, private to it: the configuration holds the server's key
     */
    public static LocalVpnServer start(
            Path dir,
            String instanceId,
            Network network,
            int port,
            String ca,
            VpnPki.Issued server,
            String staticKey,
            String crl)
            throws IOException, InterruptedException {
        String namespace = namespaceOf(instanceId);
        run(List.of("ip", "netns", "add", namespace));
        try {
            run(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
            Files.createDirectories(dir.resolve("ccd"));
            Path up = dir.resolve("up.sh");
            writePrivate(up, upScript(namespace));
            Files.setPosixFilePermissions(up, PosixFilePermissions.fromString("rwx------"));
            writePrivate(
                    dir.resolve("ccd").resolve(OpenVpnFiles.INSTANCE_CLIENT), OpenVpnFiles.instanceClient(network));
            writePrivate(dir.resolve("crl.pem"), crl);
            writePrivate(
                    dir.resolve("server.conf"),
                    OpenVpnFiles.server(network, port, ca, server, staticKey, dir.toString(), up.toString()));
            Process process = new ProcessBuilder(
                            "openvpn", "--config", dir.resolve("server.conf").toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openvpn.log").toFile())
                    .start();
            LocalVpnServer started = new LocalVpnServer(namespace, dir, process);
            started.awaitServing();
            return started;
        } catch (IOException | RuntimeException | InterruptedException e) {
            runQuietly(List.of("ip", "netns", "del", namespace));
            throw e;
        }
    }

    public String namespace() {
        return namespace;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** A new CRL, in force from the next handshake (OpenVPN reads the file again when it changes). */
    public void replaceCrl(String crl) throws IOException {
        Path next = dir.resolve("crl.pem.next");
        writePrivate(next, crl);
        Files.move(next, dir.resolve("crl.pem"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Drops the live sessions of the client with this common name; true when the server had one. */
    public boolean drop(String commonName) throws IOException {
        String answer = manage("kill " + commonName);
        return answer.startsWith("SUCCESS");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runQuietly(List.of("ip", "netns", "del", namespace));
    }

    private void awaitServing() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START);
        Path log = dir.resolve("openvpn.log");
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("openvpn ended at start: " + tail(log));
            }
            if (Files.exists(log) && Files.readString(log).contains("Initialization Sequence Completed")) {
                return;
            }
            Thread.sleep(50); // openvpn says it is ready only in its log
        }
        close();
        throw new IOException("openvpn did not come up within " + START.toSeconds() + " s: " + tail(log));
    }

    /** One command on the management socket; its answer line ({@code SUCCESS: …} or {@code ERROR: …}). */
    private String manage(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("management.sock")));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer read = ByteBuffer.allocate(4096);
            StringBuilder received = new StringBuilder();
            // Real-time notices (">INFO:…", ">CLIENT:…") may come first; the answer is the first other line. The
            // server would drop an answer still queued when "quit" closes the socket, so it is read before.
            while (channel.read(read) > 0) {
                received.append(StandardCharsets.US_ASCII.decode(read.flip()));
                read.clear();
                String answer = received.toString()
                        .lines()
                        .filter(line -> line.startsWith("SUCCESS") || line.startsWith("ERROR"))
                        .findFirst()
                        .orElse(null);
                if (answer != null) {
                    channel.write(ByteBuffer.wrap("quit\n".getBytes(StandardCharsets.US_ASCII)));
                    return answer;
                }
            }
            return "";
        }
    }

    private static String upScript(String namespace) {
        // OpenVPN configures nothing itself (ifconfig-noexec): the device moves first, then gets its address there.
        return "#!/bin/sh\nset -e\n"
                + "ip link set dev \"$dev\" netns " + namespace + "\n"
                + "ip -n " + namespace + " addr add \"$ifconfig_local/24\" dev \"$dev\"\n"
                + "ip -n " + namespace + " link set dev \"$dev\" mtu \"$tun_mtu\" up\n";
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    private static void runQuietly(List<String> command) {
        try {
            run(command);
        } catch (IOException e) {
            Log.warnf("Could not clean up (%s): %s", String.join(" ", command), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
