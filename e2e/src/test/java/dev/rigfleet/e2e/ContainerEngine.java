package dev.rigfleet.e2e;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Podman engine service on a socket of its own and the instance image (scripts/instance-image.sh, cached after its
 * first build), for agents of the container runtime: {@link #agentConfig()} is what such an agent adds to its own.
 */
final class ContainerEngine implements AutoCloseable {

    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final Process service;
    private final Path socket;
    private final String image;

    private ContainerEngine(Process service, Path socket, String image) {
        this.service = service;
        this.socket = socket;
        this.image = image;
    }

    static ContainerEngine start() throws Exception {
        String image =
                lastLine(run(Stack.ROOT.resolve("scripts/instance-image.sh").toString()));
        Path dir = Files.createTempDirectory("rigfleet-e2e-engine");
        Path socket = dir.resolve("engine.sock");
        Process service = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("service.log").toFile())
                .start();
        await().atMost(READY_WITHIN).until(() -> Files.exists(socket));
        return new ContainerEngine(service, socket, image);
    }

    /** The agent's settings for instances as containers of this engine. */
    Map<String, String> agentConfig() {
        return Map.of(
                "rigfleet.agent.instance-runtime",
                "container",
                "rigfleet.agent.instance-image",
                "localhost/" + image,
                "rigfleet.agent.engine-socket",
                socket.toString());
    }

    @Override
    public void close() throws InterruptedException {
        service.destroy();
        service.waitFor(20, TimeUnit.SECONDS);
    }

    private static String lastLine(String output) {
        List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
        return lines.get(lines.size() - 1).strip();
    }

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
