package dev.rigfleet.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A git hosting service in tests: the real {@code git daemon} on 127.0.0.1 serving bare repositories read-only over
 * {@code git://}, each filled from a work tree of its own by {@link Repo#commit}. {@link #close()} stops the daemon
 * and deletes every repository.
 */
public final class GitServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(10);

    private final Path root;
    private final Path exported;
    private final int port;
    private final Process daemon;

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
            server.awaitListening(log);
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

    @Override
    public void close() throws Exception {
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

    private void awaitListening(Path log) throws Exception {
        Instant deadline = Instant.now().plus(STARTUP);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!daemon.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("git daemon is not listening on port " + port + ": "
                            + Files.readString(log).strip());
                }
                Thread.sleep(50);
            }
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
