package dev.rigfleet.agent.instances;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.instances.InstanceRuntime.InstanceSpec;
import dev.rigfleet.agent.instances.InstanceRuntime.RunningInstance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container runtime against the contract: Podman's Docker Engine API (a private {@code podman system service}
 * socket on the machine's store), the image that scripts/instance-image.sh builds from Debian's packages (cached
 * outside the checkout), network namespaces of the runtime's own. Needs root, as the runtime does. The host's
 * firewall must come out of it as it went in.
 */
class ContainerInstanceRuntimeTest implements InstanceRuntimeContract {

    private static Path home;
    private static Process service;
    private static Path socket;
    private static String image;
    private static String firewallBefore;
    private static ContainerInstanceRuntime runtime;

    @BeforeAll
    static void startTheEngine() throws Exception {
        firewallBefore = hostFirewall();
        image = lastLine(
                run(Path.of("../../scripts/instance-image.sh").toAbsolutePath().toString()));
        home = Files.createTempDirectory("rigfleet-container-instances");
        socket = home.resolve("engine.sock");
        service = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("service.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(socket));
        runtime = new ContainerInstanceRuntime(socket, "localhost/" + image, home.resolve("state"));
    }

    @AfterAll
    static void stopTheEngineAndCheckTheHostsFirewall() throws Exception {
        if (runtime != null) {
            runtime.list().forEach(running -> runtime.stop(running.id()));
        }
        if (service != null) {
            service.destroy();
            service.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(firewallBefore, hostFirewall(), "the host's firewall is as it was");
    }

    @Override
    public InstanceRuntime runtime() {
        return runtime;
    }

    @Override
    public String sessionUser() {
        return "root";
    }

    @Test
    void anInstanceOutlivesItsAgentWithTheSameHostKeysAndAddress(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("user");
        run("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-m", "PEM", "-N", "", "-f", key.toString());
        RunningInstance before = runtime.start(new InstanceSpec(
                UUID.randomUUID().toString(), List.of(Files.readString(Path.of(key + ".pub"))), Optional.empty()));

        // The agent restarts: a new runtime on the same state finds the instance running, unchanged.
        ContainerInstanceRuntime restarted =
                new ContainerInstanceRuntime(socket, "localhost/" + image, home.resolve("state"));
        restarted.agentStopping();

        assertEquals(List.of(before), restarted.list());
        assertTrue(before.hostKeys().get(0).startsWith("ssh-ed25519 "), "paramiko's pick comes first");
        Path knownHosts = Files.write(
                dir.resolve("known_hosts"),
                before.hostKeys().stream()
                        .map(line -> before.host() + " " + line)
                        .toList());
        String answer = run(
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts,
                "-i",
                key.toString(),
                "root@" + before.host(),
                "echo ok");
        assertEquals("ok\n", answer);
    }

    @Test
    void theFirewallChainIsAppliedInsideTheInstancesNamespaceAndNowhereElse(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("user");
        run("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-m", "PEM", "-N", "", "-f", key.toString());
        String id = UUID.randomUUID().toString();
        RunningInstance running =
                runtime.start(new InstanceSpec(id, List.of(Files.readString(Path.of(key + ".pub"))), Optional.empty()));
        String namespace = "rfi" + id.replace("-", "").substring(0, 8);
        assertTrue(
                run("ip", "netns", "exec", namespace, "iptables-save").contains("-A INPUT -j ACCEPT"),
                "0.0.0.0/0, as iptables-save writes it");

        assertTrue(runtime.applyFirewall(
                id,
                List.of(
                        new InstanceRuntime.Rule("192.0.2.0/24", "REJECT"),
                        new InstanceRuntime.Rule("198.51.100.7/32", "DROP"))));

        String rules = run("ip", "netns", "exec", namespace, "iptables-save");
        assertTrue(rules.contains(":INPUT DROP"), rules);
        assertTrue(rules.contains("-A INPUT -s 192.0.2.0/24 -j REJECT"), rules);
        assertTrue(rules.contains("-A INPUT -s 198.51.100.7/32 -j DROP"), rules);
        assertTrue(!rules.contains("-A INPUT -j ACCEPT"), "the chain was replaced whole");
        assertEquals(firewallBefore, hostFirewall(), "the host's tables are untouched");
        // The platform's relay from the host's end still reaches sshd (the tunnel filters users' addresses).
        Path knownHosts = Files.write(
                dir.resolve("known_hosts"),
                running.hostKeys().stream()
                        .map(line -> running.host() + " " + line)
                        .toList());
        assertEquals(
                "ok\n",
                run(
                        "ssh",
                        "-o",
                        "BatchMode=yes",
                        "-o",
                        "UserKnownHostsFile=" + knownHosts,
                        "-i",
                        key.toString(),
                        "root@" + running.host(),
                        "echo ok"));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> runtime.applyFirewall(id, List.of(new InstanceRuntime.Rule("1.2.3.4; reboot", "ACCEPT"))));
    }

    /** The host's rules, without iptables-save's dated comments. */
    private static String hostFirewall() throws Exception {
        StringBuilder rules = new StringBuilder();
        for (String tool : List.of("iptables-save", "ip6tables-save")) {
            rules.append(run(tool).lines().filter(line -> !line.startsWith("#")).reduce("", (a, b) -> a + b + "\n"));
        }
        return rules.toString();
    }

    private static String lastLine(String output) {
        List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
        return lines.get(lines.size() - 1).strip();
    }

    /** Runs a command; its standard output, failing unless it succeeds. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
