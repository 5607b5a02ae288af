package dev.rigfleet.agent.apps;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container runtime against the runtime contract, through the Docker Engine API that a private {@code podman
 * system service} serves: its own storage (vfs, nothing mounted on the host) and configuration (runc, cgroupfs), an
 * image imported from a busybox root file system made here (no registry), containers on the host network.
 */
class EngineRuntimeTest extends AppRuntimeContract {

    private static final String IMAGE = "localhost/rigfleet-contract:1";
    private static Path home;
    private static Process service;
    private static EngineRuntime runtime;

    @BeforeAll
    static void startPodman() throws Exception {
        home = Files.createTempDirectory("rigfleet-podman");
        Path conf = Files.writeString(
                home.resolve("containers.conf"),
                "[containers]\ndefault_ulimits=[\"nofile=1024:1024\",\"nproc=4096:4096\"]\n"
                        + "[engine]\nruntime=\"runc\"\ncgroup_manager=\"cgroupfs\"\n");
        Path rootfs = Files.createDirectories(home.resolve("rootfs/bin"));
        Files.createDirectories(home.resolve("rootfs/tmp"));
        Files.createDirectories(home.resolve("rootfs/etc"));
        Files.copy(Path.of("/usr/bin/busybox"), rootfs.resolve("busybox"));
        for (String tool : List.of("sh", "sleep", "cat", "echo", "env", "date", "dirname", "wget")) {
            Files.createSymbolicLink(rootfs.resolve(tool), Path.of("busybox"));
        }
        run(
                "tar",
                "-C",
                home.resolve("rootfs").toString(),
                "-cf",
                home.resolve("rootfs.tar").toString(),
                ".");
        run(podman(
                "import",
                "--change",
                "CMD [\"/bin/sh\", \"-c\", \"eval \\\"$SCRIPT\\\"\"]",
                home.resolve("rootfs.tar").toString(),
                IMAGE));
        Path socket = home.resolve("engine.sock");
        service = builder(podman("system", "service", "--time=0", "unix://" + socket))
                .redirectOutput(home.resolve("service.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(socket));
        runtime = new EngineRuntime(socket, "host");
    }

    @AfterAll
    static void stopPodman() throws Exception {
        run(podman("rm", "--all", "--force", "--time", "1"));
        if (service != null) {
            service.destroy();
            service.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static String[] podman(String... arguments) {
        List<String> command = new ArrayList<>(List.of(
                "podman",
                "--root",
                home.resolve("storage").toString(),
                "--runroot",
                home.resolve("run").toString(),
                "--storage-driver",
                "vfs"));
        command.addAll(List.of(arguments));
        return command.toArray(String[]::new);
    }

    private static ProcessBuilder builder(String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment()
                .put("CONTAINERS_CONF", home.resolve("containers.conf").toString());
        return builder;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = builder(command).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    @Test
    void aContainerReachesTheAgentsLoopbackApis() throws Exception {
        HttpServer api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/ping", exchange -> {
            byte[] ok = "OK".getBytes();
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        api.start();
        try {
            Path root = Files.createTempDirectory("rigfleet-runtime");
            Path data = root.resolve("data");
            String uuid = UUID.randomUUID().toString();
            runtime.start(
                    service(uuid, "no"),
                    Map.of(
                            "SCRIPT",
                            "wget -qO answer http://127.0.0.1:"
                                    + api.getAddress().getPort() + "/ping"),
                    data,
                    Files.createDirectories(root.resolve("lock")));
            await().atMost(WAIT)
                    .until(() -> Files.exists(data.resolve("answer"))
                            && Files.readString(data.resolve("answer")).equals("OK"));
            runtime.stop(uuid);
        } finally {
            api.stop(0);
        }
    }

    @Test
    void pruneRemovesTheImagesNoContainerUsesAndKeepsTheOthers() throws Exception {
        String unused = "localhost/rigfleet-unused:1";
        run(podman(
                "import",
                "--change",
                "CMD [\"/bin/sh\", \"-c\", \"echo unused\"]",
                home.resolve("rootfs.tar").toString(),
                unused));
        String uuid = UUID.randomUUID().toString();
        Path root = Files.createTempDirectory("rigfleet-runtime");
        runtime.start(
                service(uuid, "no"),
                Map.of("SCRIPT", "exec sleep 600"),
                root.resolve("data"),
                Files.createDirectories(root.resolve("lock")));
        try {
            assertTrue(imageExists(unused));

            runtime.prune();

            assertFalse(imageExists(unused));
            assertTrue(imageExists(IMAGE));
        } finally {
            runtime.stop(uuid);
        }
    }

    private static boolean imageExists(String image) throws Exception {
        Process process = builder(podman("image", "exists", image)).start();
        process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("podman image exists did not finish");
        }
        return process.exitValue() == 0;
    }

    @Override
    AppRuntime runtime() {
        return runtime;
    }

    @Override
    ServiceSpec service(String uuid, String restart) {
        return new ServiceSpec(uuid, "contract", 1, 1, "c", IMAGE, List.of(), Map.of(), restart, "{}", List.of());
    }

    /** Inside a container the lock is where balena mounts it. */
    @Override
    String lockPathSeen(Path lockDir) {
        return "/tmp/balena/" + UpdateLocks.LOCK_FILE;
    }
}
