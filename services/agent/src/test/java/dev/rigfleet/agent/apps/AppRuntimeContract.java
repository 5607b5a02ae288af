package dev.rigfleet.agent.apps;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.apps.AppRuntime.ServiceStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AppRuntime} must do, run against each: a service starts with its environment in its data
 * folder, sees its lock, stops and stays stopped, starts again, is restarted after it exits as its policy says, and
 * keeps its data across restarts. Each service runs the shell script in its {@code SCRIPT} variable.
 */
abstract class AppRuntimeContract {

    static final Duration WAIT = Duration.ofSeconds(30);

    /** The runtime under test. */
    abstract AppRuntime runtime();

    /** A service running {@code $SCRIPT} with /bin/sh, as this runtime runs services. */
    abstract ServiceSpec service(String uuid, String restart);

    /** The lock path as the service sees it. */
    abstract String lockPathSeen(Path lockDir);

    private String uuid;
    private Path dataDir;
    private Path lockDir;

    @AfterEach
    void stopIt() {
        if (uuid != null) {
            runtime().stop(uuid);
        }
    }

    /** A new service's folders, as the agent makes them. */
    @BeforeEach
    void freshFolders() throws Exception {
        Path root = Files.createTempDirectory("rigfleet-runtime");
        dataDir = root.resolve("data");
        lockDir = Files.createDirectories(root.resolve("lock"));
    }

    private String start(String script, String restart) {
        uuid = UUID.randomUUID().toString();
        return runtime().start(service(uuid, restart), environment(script), dataDir, lockDir);
    }

    /** As the agent hands it: with the lock's path on the device. */
    private Map<String, String> environment(String script) {
        return Map.of(
                "SCRIPT",
                script,
                "GREETING",
                "hello",
                "PATH",
                "/usr/bin:/bin",
                "BALENA_APP_LOCK_PATH",
                lockDir.resolve(UpdateLocks.LOCK_FILE).toString());
    }

    private Optional<ServiceStatus> status() {
        return runtime().status(uuid);
    }

    @Test
    void aServiceRunsWithItsEnvironmentInItsDataFolder() throws Exception {
        String id = start("echo \"$GREETING\" > greeting; env > environment; exec sleep 600", "always");
        await().atMost(WAIT).until(() -> Files.exists(dataDir.resolve("greeting")));
        assertEquals("hello", Files.readString(dataDir.resolve("greeting")).trim());
        String environment = Files.readString(dataDir.resolve("environment"));
        assertTrue(environment.contains("BALENA_APP_LOCK_PATH=" + lockPathSeen(lockDir)), environment);
        await().atMost(WAIT)
                .until(() -> status().map(ServiceStatus::status).orElse("").equals("Running"));
        assertEquals(id, status().get().id());
    }

    @Test
    void aServiceSeesItsLockDirectory() throws Exception {
        Files.writeString(lockDir.resolve("marker"), "from the agent");
        start("cat \"$(dirname \"$BALENA_APP_LOCK_PATH\")/marker\" > seen; exec sleep 600", "always");
        await().atMost(WAIT)
                .until(() -> Files.exists(dataDir.resolve("seen"))
                        && !Files.readString(dataDir.resolve("seen")).isEmpty());
        assertEquals("from the agent", Files.readString(dataDir.resolve("seen")).trim());
    }

    @Test
    void aStoppedServiceStaysStoppedUntilStartedAndKeepsItsData() throws Exception {
        start("date +%s%N >> starts; exec sleep 600", "always");
        await().atMost(WAIT).until(() -> Files.exists(dataDir.resolve("starts")));
        runtime().stop(uuid);
        await().atMost(WAIT).until(() -> !status().get().status().equals("Running"));
        await().during(Duration.ofSeconds(2))
                .atMost(WAIT)
                .until(() -> !status().get().status().equals("Running"));

        runtime().start(service(uuid, "always"), environment("date +%s%N >> starts; exec sleep 600"), dataDir, lockDir);
        await().atMost(WAIT)
                .until(() -> Files.readAllLines(dataDir.resolve("starts")).size() == 2);
        await().atMost(WAIT).until(() -> status().get().status().equals("Running"));
    }

    @Test
    void anExitedServiceIsStartedAgainAsItsPolicySays() throws Exception {
        start("echo run >> runs; exit 3", "on-failure");
        await().atMost(WAIT)
                .until(() -> Files.exists(dataDir.resolve("runs"))
                        && Files.readAllLines(dataDir.resolve("runs")).size() >= 2);

        List<String> once = List.of("run");
        String first = uuid;
        runtime().stop(first);
        freshFolders();
        start("echo run >> runs; exit 0", "on-failure");
        assertNotEquals(first, uuid);
        await().atMost(WAIT).until(() -> Files.exists(dataDir.resolve("runs")));
        await().atMost(WAIT)
                .until(() -> status().map(s -> s.status().equals("exited")).orElse(false));
        await().during(Duration.ofSeconds(3))
                .atMost(WAIT)
                .until(() -> Files.readAllLines(dataDir.resolve("runs")).equals(once));
    }
}
