package dev.rigfleet.agent.instances;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.apps.EngineClient;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The container runtime: each instance is a container of the configured image, run through the Docker Engine API
 * (Docker, balenaEngine, Podman), whose OpenSSH {@code sshd} runs as the container's root with fresh host keys, key
 * login only, SFTP on. The container never shares the host's network or the engine's bridge (both change the host's
 * firewall): it joins a network namespace the agent makes for it, {@code rfi<8 hex>}, joined to the host by a veth
 * pair on a /30 of {@value #ADDRESSES}, and the agent reaches {@code sshd} there. What an instance is lives under
 * {@code <state-dir>/instances/<id>} (its addresses, its host keys, its authorized keys), so instances outlive the
 * agent: after a restart the agent finds them again with the same host keys. The instance's firewall chain is also
 * applied with {@code iptables} inside its namespace. An instance on a VPN joins it with its own OpenVPN client
 * ({@link InstanceVpnClient}), whose interface is in the instance's namespace. Needs root (network namespaces).
 */
public final class ContainerInstanceRuntime implements InstanceRuntime {

    static final String ADDRESSES = "10.213.0.0/16";
    static final String LABEL = "dev.rigfleet.instance";

    private static final int SLOTS = 1 << 14;
    private static final Duration SSHD_WAIT = Duration.ofSeconds(60);
    /** Host keys first-made in the container, then kept in the mounted directory; ed25519 first (paramiko's pick). */
    private static final List<String> KEY_TYPES = List.of("ed25519", "ecdsa", "rsa");

    private static final String START = "set -e; mkdir -p /run/sshd; for t in " + String.join(" ", KEY_TYPES)
            + "; do [ -s /etc/ssh/keys/ssh_host_${t}_key ] || ssh-keygen -q -t $t -N '' -C '' -f"
            + " /etc/ssh/keys/ssh_host_${t}_key; done; exec /usr/sbin/sshd -D -e"
            + KEY_TYPES.stream()
                    .map(t -> " -o HostKey=/etc/ssh/keys/ssh_host_" + t + "_key")
                    .reduce("", String::concat)
            + " -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PermitRootLogin=prohibit-password";

    /** What the agent keeps of an instance. */
    record Stored(String id, int slot) {

        String namespace() {
            return "rfi" + id.replace("-", "").substring(0, 8);
        }

        String container() {
            return "rigfleet-instance-" + id;
        }

        /** 10.213.0.0 + 4 × slot: .1 the host's end, .2 the instance's. */
        String address(int end) {
            int offset = slot * 4 + end;
            return "10.213." + (offset >> 8) + "." + (offset & 0xFF);
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final EngineClient engine;
    private final String image;
    private final Path home;

    public ContainerInstanceRuntime(Path engineSocket, String image, Path stateDir) {
        this.engine = new EngineClient(engineSocket);
        this.image = image;
        this.home = stateDir.resolve("instances");
    }

    @Override
    public synchronized RunningInstance start(InstanceSpec spec) {
        Optional<RunningInstance> running = find(spec.id());
        if (running.isPresent()) {
            return running.get();
        }
        spec.authorizedKeys().forEach(LocalInstanceRuntime::publicKey);
        Stored stored = new Stored(spec.id(), freeSlot());
        Path dir = home.resolve(spec.id());
        try {
            Files.createDirectories(dir.resolve("hostkeys"));
            Files.writeString(dir.resolve("authorized_keys"), String.join("\n", spec.authorizedKeys()) + "\n");
            Files.write(dir.resolve("instance.json"), json.writeValueAsBytes(stored));
            network(stored);
            filter(stored, List.of(new Rule("0.0.0.0/0", "ACCEPT")));
            container(stored, dir);
            RunningInstance made = awaitSshd(stored, dir);
            if (spec.vpn().isPresent()) {
                new InstanceVpnClient(dir, stored.namespace()).start(spec.vpn().get());
            }
            Log.infof("Instance %s: container %s, SSH at %s:22", spec.id(), stored.container(), made.host());
            return made;
        } catch (IOException | RuntimeException e) {
            stop(spec.id());
            throw new IllegalStateException("the instance's container could not be made: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean stop(String id) {
        Optional<Stored> stored = stored(id);
        if (stored.isEmpty()) {
            return false;
        }
        engine.call("DELETE", "/containers/" + stored.get().container() + "?force=true", null);
        new InstanceVpnClient(home.resolve(id), stored.get().namespace()).stop();
        // Deleting the host's end of the pair deletes both at once: nothing reaches the namespace from then on,
        // even while the last of the container's processes still hold it.
        run("ip", "link", "del", stored.get().namespace() + "h");
        run("ip", "netns", "del", stored.get().namespace());
        deleteTree(home.resolve(id));
        Log.infof("Instance %s ended: its container and network namespace are gone", id);
        return true;
    }

    @Override
    public List<RunningInstance> list() {
        if (!Files.isDirectory(home)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(home)) {
            return dirs.map(dir -> find(dir.getFileName().toString()))
                    .flatMap(Optional::stream)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized boolean applyFirewall(String id, List<Rule> rules) {
        Stored stored = stored(id).orElseThrow(() -> new IllegalArgumentException("this agent runs no instance " + id));
        filter(stored, rules);
        return true;
    }

    /**
     * The instance's chain as the namespace's INPUT filter, replaced whole with {@code iptables-restore} run inside
     * the namespace (the host's tables are never touched): loopback, the platform's relay from the host's end of
     * the pair (its connections met the chain at the tunnel already) and the instance's VPN (whose members hold
     * credentials its user was given) first, then the user's rules in order; what none accepts is dropped, as the
     * spec's empty chain.
     */
    private static void filter(Stored stored, List<Rule> rules) {
        StringBuilder table = new StringBuilder(
                        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
                .append("-A INPUT -i lo -j ACCEPT\n")
                .append("-A INPUT -i " + InstanceVpnClient.DEVICE + " -j ACCEPT\n")
                .append("-A INPUT -s ")
                .append(stored.address(1))
                .append("/32 -p tcp --dport 22 -j ACCEPT\n");
        for (Rule rule : rules) {
            if (!rule.source().matches("[0-9./]{7,18}")
                    || !List.of("ACCEPT", "DROP", "REJECT").contains(rule.action())) {
                throw new IllegalArgumentException("not a firewall rule: " + rule);
            }
            table.append("-A INPUT -s ")
                    .append(rule.source())
                    .append(" -j ")
                    .append(rule.action())
                    .append('\n');
        }
        table.append("COMMIT\n");
        runWithInput(table.toString(), "ip", "netns", "exec", stored.namespace(), "iptables-restore");
    }

    /** Containers outlive the agent: nothing ends with it. */
    @Override
    public void agentStopping() {}

    /** The instance if its container runs (after an agent restart too, its VPN client started again if it died). */
    @Override
    public Optional<RunningInstance> find(String id) {
        return stored(id).filter(this::runs).map(stored -> {
            new InstanceVpnClient(home.resolve(id), stored.namespace()).revive();
            return running(stored, home.resolve(id));
        });
    }

    private boolean runs(Stored stored) {
        EngineClient.Answer inspected = engine.call("GET", "/containers/" + stored.container() + "/json", null);
        return inspected.ok() && inspected.body().path("State").path("Running").asBoolean();
    }

    private Optional<Stored> stored(String id) {
        Path file = home.resolve(id).resolve("instance.json");
        try {
            return Files.exists(file) ? Optional.of(json.readValue(file.toFile(), Stored.class)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private int freeSlot() {
        List<Integer> taken = new ArrayList<>();
        if (Files.isDirectory(home)) {
            try (Stream<Path> dirs = Files.list(home)) {
                dirs.map(dir -> stored(dir.getFileName().toString()))
                        .flatMap(Optional::stream)
                        .forEach(stored -> taken.add(stored.slot()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (int slot = 0; slot < SLOTS; slot++) {
            if (!taken.contains(slot)) {
                return slot;
            }
        }
        throw new IllegalStateException("no free address in " + ADDRESSES);
    }

    private void network(Stored stored) {
        String ns = stored.namespace();
        run("ip", "netns", "add", ns);
        run("ip", "link", "add", ns + "h", "type", "veth", "peer", "name", ns + "c");
        run("ip", "link", "set", ns + "c", "netns", ns);
        run("ip", "addr", "add", stored.address(1) + "/30", "dev", ns + "h");
        run("ip", "link", "set", ns + "h", "up");
        run("ip", "-n", ns, "addr", "add", stored.address(2) + "/30", "dev", ns + "c");
        run("ip", "-n", ns, "link", "set", ns + "c", "up");
        run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    private void container(Stored stored, Path dir) {
        Map<String, Object> create = Map.of(
                "Image", image,
                "Cmd", List.of("/bin/sh", "-c", START),
                "Labels", Map.of(LABEL, stored.id()),
                "HostConfig",
                        Map.of(
                                "NetworkMode", "ns:/run/netns/" + stored.namespace(),
                                "Binds",
                                        List.of(
                                                dir.resolve("hostkeys").toAbsolutePath() + ":/etc/ssh/keys",
                                                dir.resolve("authorized_keys").toAbsolutePath()
                                                        + ":/root/.ssh/authorized_keys:ro"),
                                "RestartPolicy", Map.of("Name", "unless-stopped"),
                                "Ulimits",
                                        List.of(
                                                Map.of("Name", "nofile", "Soft", 1024, "Hard", 1024),
                                                Map.of("Name", "nproc", "Soft", 4096, "Hard", 4096))));
        expect(engine.call("POST", "/containers/create?name=" + stored.container(), create), "create");
        expect(engine.call("POST", "/containers/" + stored.container() + "/start", null), "start");
    }

    private RunningInstance awaitSshd(Stored stored, Path dir) {
        Instant deadline = Instant.now().plus(SSHD_WAIT);
        while (Instant.now().isBefore(deadline)) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(stored.address(2), 22), 1000);
                socket.setSoTimeout(2000);
                byte[] banner = new byte[4];
                if (socket.getInputStream().readNBytes(banner, 0, 4) == 4
                        && new String(banner, StandardCharsets.US_ASCII).equals("SSH-")) {
                    return running(stored, dir);
                }
            } catch (IOException notYet) {
                // sshd is making its host keys or starting
            }
            sleep(100);
        }
        throw new IllegalStateException("sshd in the container did not answer within " + SSHD_WAIT.toSeconds() + " s");
    }

    private RunningInstance running(Stored stored, Path dir) {
        List<String> hostKeys = KEY_TYPES.stream()
                .map(type -> dir.resolve("hostkeys").resolve("ssh_host_" + type + "_key.pub"))
                .filter(Files::exists)
                .map(ContainerInstanceRuntime::keyLine)
                .toList();
        return new RunningInstance(stored.id(), stored.address(2), 22, hostKeys);
    }

    /** {@code type base64}, without the comment. */
    private static String keyLine(Path pub) {
        try {
            String[] fields = Files.readString(pub).strip().split("\\s+");
            return fields[0] + " " + fields[1];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void expect(EngineClient.Answer answer, String what) {
        if (!answer.ok()) {
            JsonNode message = answer.body().path("message");
            throw new IllegalStateException(
                    "the engine refused to " + what + " the container (" + answer.status() + "): " + message.asText());
        }
    }

    private static void run(String... command) {
        runWithInput("", command);
    }

    /** Runs a command, failing with its output unless it succeeds; deleting what is gone already is fine. */
    private static void runWithInput(String input, String... command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            boolean gone = command.length > 2
                    && command[2].equals("del")
                    && (output.contains("No such file") || output.contains("Cannot find device"));
            if (process.exitValue() != 0 && !gone) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            Log.warnf("Could not remove %s: %s", dir, e.getMessage());
        }
    }
}
