package dev.rigfleet.agent.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.instances.InstanceRuntime.InstanceSpec;
import dev.rigfleet.agent.instances.InstanceRuntime.RunningInstance;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every instance runtime promises, proven with real clients: OpenSSH's {@code ssh} and {@code sftp}, and
 * Debian's paramiko as rerobots/py uses it ({@code scripts/instance-login.py}). Each runtime's test implements
 * {@link #runtime()} and {@link #sessionUser()}.
 */
public interface InstanceRuntimeContract {

    Path LOGIN_SCRIPT =
            Path.of("../../scripts/instance-login.py").toAbsolutePath().normalize();

    InstanceRuntime runtime();

    /** The user that commands in the instance run as. */
    String sessionUser();

    @AfterEach
    default void stopEverything() {
        runtime().list().forEach(running -> runtime().stop(running.id()));
    }

    @Test
    default void theInstanceKeyLogsInAsRootAndRunsCommandsAsTheSessionUser(@TempDir Path dir) throws Exception {
        Path key = userKey(dir, "user");
        RunningInstance running = runtime().start(spec(key));

        Result result = ssh(dir, running, key, "root", "echo ok; id -un");

        assertEquals(0, result.status(), result.output());
        assertEquals("ok\n" + sessionUser() + "\n", result.output());
    }

    @Test
    default void aShellGetsARealTerminal(@TempDir Path dir) throws Exception {
        Path key = userKey(dir, "user");
        RunningInstance running = runtime().start(spec(key));

        Result result = run(
                "tty\nexit\n",
                "ssh",
                "-tt",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts(dir, running),
                "-i",
                key.toString(),
                "-p",
                Integer.toString(running.port()),
                "root@" + running.host());

        assertTrue(result.output().contains("/dev/pts/"), result.output());
    }

    @Test
    default void paramikoLogsInAndCopiesFilesBothWaysAsRerobotsPyDoes(@TempDir Path dir) throws Exception {
        Path key = userKey(dir, "user");
        RunningInstance running = runtime().start(spec(key));
        byte[] content = new byte[256 * 1024];
        new SecureRandom().nextBytes(content);
        Path local = Files.write(dir.resolve("payload"), content);
        Path fetched = dir.resolve("fetched");

        Result result = run(
                "",
                LOGIN_SCRIPT.toString(),
                running.host(),
                Integer.toString(running.port()),
                running.hostKeys().get(0),
                key.toString(),
                "echo ok",
                local.toString(),
                "/tmp/rigfleet-contract-" + UUID.randomUUID(),
                fetched.toString());

        assertEquals(0, result.status(), result.output());
        assertEquals("ok\n", result.output());
        assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(fetched)), "the file came back changed");
    }

    @Test
    default void sftpPutsAndGetsWithOpenSsh(@TempDir Path dir) throws Exception {
        Path key = userKey(dir, "user");
        RunningInstance running = runtime().start(spec(key));
        Path local = Files.writeString(dir.resolve("note"), "carried over SFTP\n");
        String remote = "/tmp/rigfleet-contract-" + UUID.randomUUID();
        Path batch = Files.writeString(
                dir.resolve("batch"), "put " + local + " " + remote + "\nget " + remote + " " + dir.resolve("back"));

        Result result = run(
                "",
                "sftp",
                "-b",
                batch.toString(),
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts(dir, running),
                "-i",
                key.toString(),
                "-P",
                Integer.toString(running.port()),
                "root@" + running.host());

        assertEquals(0, result.status(), result.output());
        assertEquals("carried over SFTP\n", Files.readString(dir.resolve("back")));
    }

    @Test
    default void anotherKeyOrAnotherLoginNameIsRefused(@TempDir Path dir) throws Exception {
        Path key = userKey(dir, "user");
        Path stranger = userKey(dir, "stranger");
        RunningInstance running = runtime().start(spec(key));

        assertNotEquals(0, ssh(dir, running, stranger, "root", "echo ok").status());
        assertNotEquals(0, ssh(dir, running, key, "admin", "echo ok").status());
        assertEquals(0, ssh(dir, running, key, "root", "true").status());
    }

    @Test
    default void startingTheSameInstanceAgainAnswersTheRunningOne(@TempDir Path dir) throws Exception {
        InstanceSpec spec = spec(userKey(dir, "user"));

        RunningInstance first = runtime().start(spec);
        RunningInstance again = runtime().start(spec);

        assertEquals(first, again);
        assertEquals(1, runtime().list().size());
    }

    @Test
    default void aStoppedInstanceIsGoneAndListensNoMore(@TempDir Path dir) throws Exception {
        RunningInstance running = runtime().start(spec(userKey(dir, "user")));

        assertTrue(runtime().stop(running.id()));

        assertFalse(runtime().stop(running.id()));
        assertTrue(runtime().list().isEmpty());
        // No SSH server answers there any more (refused, or, off loopback, whatever the network does with it).
        try (Socket socket = new Socket()) {
            socket.connect(new java.net.InetSocketAddress(running.host(), running.port()), 2000);
            socket.setSoTimeout(2000);
            byte[] banner = socket.getInputStream().readNBytes(4);
            assertFalse(new String(banner, StandardCharsets.US_ASCII).equals("SSH-"), "an SSH server still answers");
        } catch (IOException gone) {
            // refused or silent: what a stopped instance does
        }
    }

    @Test
    default void aBodyThatIsNoPublicKeyIsRefused() {
        try {
            runtime()
                    .start(new InstanceSpec(
                            UUID.randomUUID().toString(), List.of("ssh-rsa not-base64 x"), Optional.empty()));
            throw new AssertionError("a bad key was accepted");
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage().startsWith("not an SSH public key"));
        }
        assertTrue(runtime().list().isEmpty());
    }

    private static InstanceSpec spec(Path key) throws IOException {
        return new InstanceSpec(
                UUID.randomUUID().toString(),
                List.of(Files.readString(Path.of(key + ".pub")).strip()),
                Optional.empty());
    }

    /** An RSA key as a user makes one, PEM (PKCS#1), which paramiko reads. */
    private static Path userKey(Path dir, String name) throws Exception {
        Path key = dir.resolve(name);
        Result made =
                run("", "ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-m", "PEM", "-N", "", "-f", key.toString());
        assertEquals(0, made.status(), made.output());
        return key;
    }

    private static Path knownHosts(Path dir, RunningInstance running) throws IOException {
        List<String> lines = new ArrayList<>();
        // As OpenSSH names hosts in known_hosts: the bare address on port 22.
        String name = running.port() == 22 ? running.host() : "[" + running.host() + "]:" + running.port();
        running.hostKeys().forEach(hostKey -> lines.add(name + " " + hostKey));
        return Files.write(dir.resolve("known_hosts-" + running.port()), lines);
    }

    private static Result ssh(Path dir, RunningInstance running, Path key, String login, String command)
            throws Exception {
        return run(
                "",
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts(dir, running),
                "-i",
                key.toString(),
                "-p",
                Integer.toString(running.port()),
                login + "@" + running.host(),
                command);
    }

    record Result(int status, String output) {}

    private static Result run(String input, String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 30 s: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), output);
    }
}
