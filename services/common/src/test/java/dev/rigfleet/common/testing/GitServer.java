package dev.rigfleet.common.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A git hosting service in tests: the real {@code git daemon} on 127.0.0.1 serving bare repositories read-only over
 * {@code git://}, each filled from a work tree of its own by {@link Repo#commit}; and, once {@link #startSsh} is
 * called, OpenSSH's {@code sshd} serving the same repositories over {@code ssh://} to the keys it is given. {@link
 * #close()} stops both and deletes every repository.
 */
public final class GitServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(10);

    private final Path root;
    private final Path exported;
    private final int port;
    private final Process daemon;
    private Process sshd;
    private int sshPort;

    private GitServer(Path root, Path exported, int port, Process daemon) {
        this.root = root;
        this.exported = exported;
        this.port = port;
        this.daemon = daemon;
    }

    /** A daemon that accepts connections by the time this returns. */
    public static GitServer start() throws Exception {
        Path root = Files.createTempDirectory("rigfleet-git-server-");
        Path exported = Files.createDirectory(root.resolve("exported"));
        Files.createDirectory(root.resolve("home"));
        Path log = root.resolve("daemon.log");
        int port = freePort();
        ProcessBuilder command = git(
                        root,
                        "daemon",
                        "--reuseaddr",
                        "--base-path=" + exported,
                        "--export-all",
                        "--listen=127.0.0.1",
                        "--port=" + port,
                        "--enable=upload-pack",
                        "--informative-errors",
                        exported.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        GitServer server = new GitServer(root, exported, port, command.start());
        try {
            awaitListening(server.daemon, port, "git daemon", log);
            return server;
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }

    /** A new, empty repository {@code <name>.git} on this server. */
    public Repo repository(String name) throws Exception {
        Path bare = exported.resolve(name + ".git");
        Path workTree = Files.createDirectories(root.resolve("work").resolve(name));
        run(root, workTree, "init", "--quiet", "--bare", bare.toString());
        run(root, workTree, "init", "--quiet");
        run(root, workTree, "config", "user.name", "rigfleet tests");
        run(root, workTree, "config", "user.email", "tests@rigfleet.invalid");
        run(root, workTree, "remote", "add", "origin", bare.toString());
        return new Repo(name, bare, workTree);
    }

    public int port() {
        return port;
    }

    /**
     * Starts OpenSSH's {@code sshd} on 127.0.0.1, with a fresh host key of the type ({@code ed25519}, {@code ecdsa},
     * {@code rsa}) and no key authorized yet: users sign in as this process's user with a key {@link #authorize}d,
     * as on a hosting service with deploy keys. As root, sshd needs its privilege separation directory, {@code
     * /run/sshd}, which scripts/deps.sh makes.
     */
    public void startSsh(String hostKeyType) throws Exception {
        Path ssh = Files.createDirectories(root.resolve("ssh"));
        Path hostKey = ssh.resolve("host_key");
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", hostKeyType, "-N", "", "-f", hostKey.toString())
                .redirectErrorStream(true)
                .start();
        String keygenOutput = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keygen.waitFor(30, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
            throw new IllegalStateException("ssh-keygen failed: " + keygenOutput.strip());
        }
        Files.createFile(ssh.resolve("authorized_keys"));
        sshPort = freePort();
        Path config = ssh.resolve("sshd_config");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "ListenAddress 127.0.0.1",
                        "Port " + sshPort,
                        "HostKey " + hostKey,
                        "PidFile " + ssh.resolve("sshd.pid"),
                        "AuthorizedKeysFile " + ssh.resolve("authorized_keys"),
                        // The files are the test's, under a temporary directory that is not the user's home.
                        "StrictModes no",
                        "UsePAM no",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "PermitRootLogin prohibit-password",
                        "AllowUsers " + System.getProperty("user.name"),
                        "LogLevel VERBOSE",
                        ""));
        Path log = ssh.resolve("sshd.log");
        sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        awaitListening(sshd, sshPort, "sshd", log);
    }

    /** Lets the key (an OpenSSH public key line) sign in over ssh://, as a deploy key would. */
    public void authorize(String publicKey) throws IOException {
        Files.writeString(
                root.resolve("ssh").resolve("authorized_keys"),
                publicKey.strip() + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    /** sshd's host key, as an OpenSSH public key line. */
    public String sshHostKey() throws IOException {
        return Files.readString(root.resolve("ssh").resolve("host_key.pub")).strip();
    }

    public int sshPort() {
        return sshPort;
    }

    @Override
    public void close() throws Exception {
        if (sshd != null) {
            sshd.descendants().forEach(ProcessHandle::destroy);
            sshd.destroy();
            if (!sshd.waitFor(5, TimeUnit.SECONDS)) {
                sshd.destroyForcibly();
            }
        }
        // Each connection is served by a child of the daemon's; none may outlive the directory it reads.
        daemon.descendants().forEach(ProcessHandle::destroy);
        daemon.destroy();
        if (!daemon.waitFor(5, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
        }
        deleteRecursively(root);
    }

    /** A repository of this server's, with the work tree its commits are made in. */
    public final class Repo {

        private final String name;
        private final Path bare;
        private final Path workTree;

        private Repo(String name, Path bare, Path workTree) {
            this.name = name;
            this.bare = bare;
            this.workTree = workTree;
        }

        /**
         * Commits the files (paths relative to the repository's root, text as UTF-8) on the branch, which is created
         * from the current commit when new (or holds the first commit), and pushes it to the server.
         *
         * @return the commit's full id
         */
        public String commit(String branch, Map<String, String> files, String message) throws Exception {
            boolean firstCommit = !succeeds("rev-parse", "--verify", "--quiet", "HEAD");
            if (firstCommit) {
                run(root, workTree, "symbolic-ref", "HEAD", "refs/heads/" + branch);
                // A clone of the repository checks out the branch its HEAD names, as on a hosting service.
                run(root, workTree, "--git-dir=" + bare, "symbolic-ref", "HEAD", "refs/heads/" + branch);
            } else if (succeeds("rev-parse", "--verify", "--quiet", "refs/heads/" + branch)) {
                run(root, workTree, "checkout", "--quiet", branch);
            } else {
                run(root, workTree, "checkout", "--quiet", "-b", branch);
            }
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = workTree.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
            }
            run(root, workTree, "add", "--all");
            run(root, workTree, "commit", "--quiet", "--allow-empty", "-m", message);
            run(root, workTree, "push", "--quiet", "origin", "refs/heads/" + branch + ":refs/heads/" + branch);
            return run(root, workTree, "rev-parse", "HEAD").strip();
        }

        /** The repository as the daemon serves it. */
        public String url() {
            return "git://127.0.0.1:" + port + "/" + name + ".git";
        }

        /** The repository as sshd serves it, once {@link #startSsh} has started it. */
        public String sshUrl() {
            return "ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + sshPort + bare.toAbsolutePath();
        }

        /** The repository on this machine's disk, for clients that read it without a server. */
        public String fileUrl() {
            return "file://" + bare.toAbsolutePath();
        }

        private boolean succeeds(String... arguments) throws Exception {
            Process process = git(root, arguments)
                    .directory(workTree.toFile())
                    .redirectErrorStream(true)
                    .start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
    }

    private static void awaitListening(Process server, int port, String name, Path log) throws Exception {
        try {
            await().atMost(STARTUP).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!server.isAlive()) {
                    throw new IllegalStateException(name + " exited");
                }
                return listening(port);
            });
        } catch (ConditionTimeoutException | IllegalStateException notListening) {
            throw new IllegalStateException(
                    name + " is not listening on port " + port + ": "
                            + Files.readString(log).strip(),
                    notListening);
        }
    }

    private static boolean listening(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** What git printed, both streams, failing with it unless git succeeds. */
    private static String run(Path root, Path directory, String... arguments) throws Exception {
        Process process = git(root, arguments)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(
                    "git " + String.join(" ", arguments) + " in " + directory + " failed: " + output.strip());
        }
        return output;
    }

    /** git, with none of this machine's or user's configuration: the tests' repositories are the same everywhere. */
    private static ProcessBuilder git(Path root, String... arguments) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        // A test run from a git hook inherits GIT_DIR and the like, which would point every command at that checkout.
        environment.keySet().removeIf(name -> name.startsWith("GIT_"));
        environment.remove("XDG_CONFIG_HOME");
        environment.put("GIT_CONFIG_NOSYSTEM", "1");
        environment.put("HOME", root.resolve("home").toString());
        return builder;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
