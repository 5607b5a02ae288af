package dev.rigfleet.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.net.Ipv4Block;
import dev.rigfleet.instances.vpn.Network;
import dev.rigfleet.instances.vpn.OpenVpnFiles;
import dev.rigfleet.instances.vpn.VpnPki;
import dev.rigfleet.instances.vpn.VpnServers;
import dev.rigfleet.instances.vpn.VpnWorkloads;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The images of {@code make images} (target/images/*.tar, which {@code make test} builds first), loaded into podman
 * and run without a network: what a cluster would run, as far as it can run here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImagesIT {

    private static final Path IMAGES = Path.of(System.getProperty("rigfleet.root", ".."))
            .toAbsolutePath()
            .normalize()
            .resolve("target/images");
    private static final Pattern LOADED = Pattern.compile("Loaded image(?:\\(s\\))?: (\\S+)");
    /** A service without its configuration stops at its start with the missing setting named in its log. */
    private static final Pattern STARTED_QUARKUS = Pattern.compile("io\\.quarkus|Quarkus|SRCFG\\d+");

    private final List<String> loaded = new ArrayList<>();

    @BeforeAll
    void imagesWereBuilt() {
        assertTrue(
                Files.isDirectory(IMAGES),
                IMAGES + " is missing: `make images` builds it (and `make test` runs it before the tests)");
    }

    @AfterAll
    void removeTheLoadedImages() {
        for (String image : loaded) {
            podman(Duration.ofSeconds(60), "rmi", "--force", image);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"workspaces", "registry", "instances", "coordinator", "agent", "keygen"})
    void eachImageHasJava17AndRunsAsItsDocumentedUser(String module) {
        String image = load(module);

        Result java = podman(
                Duration.ofSeconds(60), "run", "--rm", "--network", "none", "--entrypoint", "java", image, "-version");
        assertEquals(0, java.exit(), java.output());
        assertTrue(java.output().contains("version \"17."), java.output());

        Result user =
                podman(Duration.ofSeconds(60), "run", "--rm", "--network", "none", "--entrypoint", "id", image, "-u");
        assertEquals(0, user.exit(), user.output());
        // The agent manages the device (apps, namespaces, reboot); everything else runs as the base image's rigfleet.
        assertEquals(module.equals("agent") ? "0" : "185", user.output().strip(), module);
    }

    @ParameterizedTest
    @ValueSource(strings = {"workspaces", "registry", "instances", "coordinator"})
    void eachServiceStartsAsFarAsItsConfigurationCheck(String module) {
        String image = load(module);

        // No database, Redis or keys, and no network: the application starts, then stops on what is missing.
        Result run = podman(Duration.ofSeconds(120), "run", "--rm", "--network", "none", image);

        assertTrue(run.exit() != 0, "without its configuration it does not stay up: " + run.output());
        assertTrue(STARTED_QUARKUS.matcher(run.output()).find(), run.output());
        assertFalse(run.output().contains("Could not find or load main class"), run.output());
        assertFalse(run.output().contains("ClassNotFoundException"), run.output());
    }

    @Test
    void theKeyJobStartsAndNamesTheSecretItCouldNotReach() {
        String image = load("keygen");

        // Without retries: in a cluster the client's back-off rides out a slow API server; here nothing answers.
        Result run = podman(
                Duration.ofSeconds(120),
                "run",
                "--rm",
                "--network",
                "none",
                "-e",
                "RIGFLEET_KEYGEN_SECRET=rf-keys",
                "-e",
                "RIGFLEET_KEYGEN_NAMESPACE=rigfleet",
                "-e",
                "QUARKUS_KUBERNETES_CLIENT_REQUEST_RETRY_BACKOFF_LIMIT=0",
                image);

        assertEquals(1, run.exit(), run.output());
        assertTrue(run.output().contains("Could not complete the Secret rigfleet/rf-keys"), run.output());
    }

    @Test
    void theAgentsImageAnswersPing() {
        String image = load("agent");
        Result started = podman(Duration.ofSeconds(60), "run", "--detach", "--network", "none", image);
        assertEquals(0, started.exit(), started.output());
        String container = started.output().strip();
        try {
            // Inside the container's own network: bash's /dev/tcp, since the image has no HTTP client.
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        Result ping = podman(
                                Duration.ofSeconds(20),
                                "exec",
                                container,
                                "bash",
                                "-c",
                                "exec 3<>/dev/tcp/127.0.0.1/48484 && printf 'GET /ping HTTP/1.1\\r\\nHost: agent\\r\\n"
                                        + "Connection: close\\r\\n\\r\\n' >&3 && cat <&3");
                        assertTrue(ping.output().startsWith("HTTP/1.1 200"), ping.output());
                        assertTrue(ping.output().endsWith("OK"), ping.output());
                    });
        } finally {
            podman(Duration.ofSeconds(60), "rm", "--force", container);
        }
    }

    /**
     * The VPN server's image, run as the pod that dev.rigfleet.instances.vpn.VpnWorkloads makes would run it: its
     * command, the files of its Secret read-only at their mount, an in-memory /run/vpn, root with NET_ADMIN only and
     * no privilege escalation, a read-only root, the tun device. Its Secret's CRL already revokes one client (the
     * pod that replaces a server after a revocation starts so): that client is refused, another gets in. Both
     * clients run inside the container (it has no network but loopback).
     */
    @Test
    void theVpnServersImageServesItsSecretsFilesAsThePodRunsThemAndRefusesARevokedClient() throws Exception {
        String image = load("vpn");
        Result user =
                podman(Duration.ofSeconds(60), "run", "--rm", "--network", "none", "--entrypoint", "id", image, "-u");
        assertEquals("0", user.output().strip(), "openvpn makes the pod's tun device: root, with NET_ADMIN only");

        String instance = UUID.randomUUID().toString();
        Duration validity = Duration.ofDays(1);
        VpnPki pki = VpnPki.create(instance, validity);
        String staticKey = OpenVpnFiles.staticKey();
        VpnPki.Issued admitted = pki.client("admitted", validity);
        VpnPki.Issued revoked = pki.client("revoked", validity);
        Network network = new Network(Ipv4Block.parse("10.219.7.0/24").orElseThrow());
        Map<String, String> secret = VpnWorkloads.secretData(
                network,
                new VpnServers.ServerFiles(
                        pki.caCertificate(),
                        pki.server(OpenVpnFiles.serverName(instance), validity),
                        staticKey,
                        pki.crl(
                                List.of(new VpnPki.Revoked(revoked.serial(), Instant.now())),
                                2,
                                Instant.now().plus(validity))));
        Path config = Files.createTempDirectory("rigfleet-vpn-secret");
        Path clients = Files.createTempDirectory("rigfleet-vpn-clients");
        for (Map.Entry<String, String> file : secret.entrySet()) {
            Files.writeString(config.resolve(file.getKey()), file.getValue());
        }
        for (VpnPki.Issued client : List.of(admitted, revoked)) {
            String name = client == admitted ? "admitted" : "revoked";
            Files.writeString(
                    clients.resolve(name + ".ovpn"),
                    OpenVpnFiles.client(
                            instance, "127.0.0.1", VpnWorkloads.PORT, pki.caCertificate(), client, staticKey));
        }
        Result started = podman(
                Duration.ofSeconds(60),
                "run",
                "--detach",
                "--network",
                "none",
                "--user",
                "0",
                "--cap-drop",
                "all",
                "--cap-add",
                "NET_ADMIN",
                "--security-opt",
                "no-new-privileges",
                "--read-only",
                "--tmpfs",
                VpnWorkloads.FILES,
                "--device",
                "/dev/net/tun",
                "--volume",
                config + ":" + VpnWorkloads.CONFIG + ":ro",
                "--volume",
                clients + ":/clients:ro",
                "--entrypoint",
                VpnWorkloads.COMMAND.get(0),
                image,
                VpnWorkloads.COMMAND.get(1),
                VpnWorkloads.COMMAND.get(2));
        assertEquals(0, started.exit(), started.output());
        String container = started.output().strip();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> podman(Duration.ofSeconds(20), "logs", container)
                            .output()
                            .contains("Initialization Sequence Completed"));
            for (String client : List.of("admitted", "revoked")) {
                Result connecting = podman(
                        Duration.ofSeconds(20),
                        "exec",
                        "--detach",
                        container,
                        "openvpn",
                        "--config",
                        "/clients/" + client + ".ovpn",
                        "--log",
                        VpnWorkloads.FILES + "/" + client + ".log");
                assertEquals(0, connecting.exit(), connecting.output());
            }

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> podman(
                                    Duration.ofSeconds(20),
                                    "exec",
                                    container,
                                    "cat",
                                    VpnWorkloads.FILES + "/admitted.log")
                            .output()
                            .contains("Initialization Sequence Completed"));
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> podman(Duration.ofSeconds(20), "logs", container)
                            .output()
                            .contains("certificate revoked"));
            assertFalse(podman(Duration.ofSeconds(20), "exec", container, "cat", VpnWorkloads.FILES + "/revoked.log")
                    .output()
                    .contains("Initialization Sequence Completed"));
        } finally {
            podman(Duration.ofSeconds(60), "rm", "--force", container);
            for (Path dir : List.of(config, clients)) {
                try (var files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(dir);
            }
        }
    }

    private String load(String module) {
        Path tar = IMAGES.resolve("rigfleet-" + module + ".tar");
        assertTrue(Files.isRegularFile(tar), tar + " is missing");
        Result load = podman(Duration.ofSeconds(120), "load", "--input", tar.toString());
        assertEquals(0, load.exit(), load.output());
        Matcher name = LOADED.matcher(load.output());
        assertTrue(name.find(), load.output());
        String image = name.group(1);
        if (!loaded.contains(image)) {
            loaded.add(image);
        }
        return image;
    }

    private record Result(int exit, String output) {}

    private static Result podman(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        try {
            // Into a file, so that a command that hangs is caught by the timeout rather than by a blocked read.
            Path output = Files.createTempFile("rigfleet-podman", ".log");
            try {
                Process process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not end within " + timeout);
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
