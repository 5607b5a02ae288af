package dev.rigfleet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Logs in to an instance as its users do, from what {@code GET /instance/:id} and {@code POST /new} gave them: OpenSSH's
 * {@code ssh} with a known_hosts file built from {@code hostkeys} and {@code StrictHostKeyChecking=yes}, as the Rust
 * CLI's command line; and Debian's paramiko as rerobots/py's {@code start_sshclient} ({@code
 * scripts/instance-login.py}).
 */
final class InstanceLogins {

    static final Path PARAMIKO_LOGIN =
            Path.of("../scripts/instance-login.py").toAbsolutePath().normalize();

    record Result(int status, String output) {}

    private final Path dir;
    private final Path key;
    private final String host;
    private final int port;
    private final String hostKey;

    /** {@code instance}: the JSON of {@code GET /instance/:id}; {@code privateKey}: the key the user was given. */
    InstanceLogins(JsonPath instance, String privateKey) throws IOException {
        dir = Files.createTempDirectory("rigfleet-login");
        key = dir.resolve("key");
        Files.writeString(key, privateKey);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        host = instance.getString("fwd.ipv4");
        port = instance.getInt("fwd.port");
        hostKey = instance.getList("hostkeys", String.class).get(0);
        Files.writeString(dir.resolve("known_hosts"), "[" + host + "]:" + port + " " + hostKey + "\n");
    }

    /** {@code ssh -i key -p <fwd.port> root@<fwd.ipv4> command}, the host key checked. */
    Result ssh(String command) throws Exception {
        return run(sshCommand(dir.resolve("known_hosts"), key, host, port, command));
    }

    /** OpenSSH's command line as users run it: key login only, the host key checked against {@code knownHosts}. */
    static List<String> sshCommand(Path knownHosts, Path key, String host, int port, String command) {
        return List.of(
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + knownHosts,
                "-o",
                "ConnectTimeout=5",
                "-i",
                key.toString(),
                "-p",
                Integer.toString(port),
                "root@" + host,
                command);
    }

    /** paramiko's login, a command, and an SFTP put and get of {@code content}; asserts the file came back whole. */
    Result paramiko(String command, byte[] content) throws Exception {
        Path local = Files.write(dir.resolve("payload"), content);
        Path fetched = dir.resolve("fetched");
        Result result = run(List.of(
                PARAMIKO_LOGIN.toString(),
                host,
                Integer.toString(port),
                hostKey,
                key.toString(),
                command,
                local.toString(),
                "/tmp/rigfleet-e2e-" + port + "-" + System.nanoTime(),
                fetched.toString()));
        if (result.status() == 0) {
            assertEquals(
                    java.util.Arrays.hashCode(content),
                    java.util.Arrays.hashCode(Files.readAllBytes(fetched)),
                    "the file came back changed");
        }
        return result;
    }

    private static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 60 s: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), output);
    }
}
