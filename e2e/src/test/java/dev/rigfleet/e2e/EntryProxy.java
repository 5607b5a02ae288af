package dev.rigfleet.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real nginx running deploy/nginx.conf.template, filled in as scripts/run.sh fills it, in front of the given
 * upstreams: the entry point of {@code make run}. Its run directory is e2e/target/entry-proxy/&lt;name&gt; (the
 * configuration as filled in, and logs/nginx-access.log and logs/nginx-error.log).
 */
record EntryProxy(String name, int port, Path runDir, Process process) implements AutoCloseable {

    private static final Path TEMPLATE = Stack.ROOT.resolve("deploy/nginx.conf.template");
    private static final Path RUNS = Stack.ROOT.resolve("e2e/target/entry-proxy");
    private static final Pattern PLACEHOLDER = Pattern.compile("@[A-Z_]+@");

    /**
     * Starts nginx as {@code name} on a free loopback port, in front of the four services, each given as an
     * {@code http://127.0.0.1:<port>} URL (the template routes to 127.0.0.1 only), and waits until it accepts
     * connections.
     */
    static EntryProxy start(String name, String workspaces, String instances, String registry, String coordinator) {
        int port = Ports.free();
        Path runDir = RUNS.resolve(name).toAbsolutePath();
        try {
            deleteRecursively(runDir);
            Files.createDirectories(runDir.resolve("logs"));
            Files.createDirectories(runDir.resolve("nginx"));
            String config = fill(
                    Files.readString(TEMPLATE),
                    Map.of(
                            "@RUN_DIR@", runDir.toString(),
                            "@PORT@", String.valueOf(port),
                            "@WORKSPACES_PORT@", loopbackPort(workspaces),
                            "@INSTANCES_PORT@", loopbackPort(instances),
                            "@REGISTRY_PORT@", loopbackPort(registry),
                            "@COORDINATOR_PORT@", loopbackPort(coordinator)));
            Path configFile = runDir.resolve("nginx/nginx.conf");
            Files.writeString(configFile, config);
            Process process = new ProcessBuilder(List.of(
                            nginx(),
                            "-c",
                            configFile.toString(),
                            "-p",
                            runDir.resolve("nginx").toString(),
                            "-e",
                            runDir.resolve("logs/nginx-error.log").toString(),
                            // In the foreground, so that this process is nginx's master and close() stops it.
                            "-g",
                            "daemon off;"))
                    .redirectErrorStream(true)
                    .redirectOutput(runDir.resolve("logs/nginx.out").toFile())
                    .start();
            EntryProxy proxy = new EntryProxy(name, port, runDir, process);
            proxy.awaitAccepting();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start nginx (make deps installs it)", e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    Path accessLog() {
        return runDir.resolve("logs/nginx-access.log");
    }

    /** Fills every @NAME@ of the template; a placeholder left unfilled is a template this class does not know. */
    private static String fill(String template, Map<String, String> values) {
        String filled = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            filled = filled.replace(value.getKey(), value.getValue());
        }
        Matcher left = PLACEHOLDER.matcher(filled);
        if (left.find()) {
            throw new IllegalStateException(TEMPLATE + " has a placeholder EntryProxy does not fill: " + left.group());
        }
        return filled;
    }

    private static String loopbackPort(String url) {
        URI uri = URI.create(url);
        if (!"127.0.0.1".equals(uri.getHost()) || uri.getPort() < 0) {
            throw new IllegalArgumentException("the entry proxy routes to http://127.0.0.1:<port> only, not " + url);
        }
        return String.valueOf(uri.getPort());
    }

    private static String nginx() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nginx"))) {
                return Path.of(dir, "nginx").toString();
            }
        }
        return "/usr/sbin/nginx";
    }

    private void awaitAccepting() {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .failFast(name + "'s nginx exited; see " + runDir.resolve("logs"), () -> !process.isAlive())
                .until(() -> Ports.accepting(port));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Stops nginx (SIGTERM to its master: a fast shutdown that takes its worker with it). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return "entry proxy " + name + " on " + url();
    }
}
