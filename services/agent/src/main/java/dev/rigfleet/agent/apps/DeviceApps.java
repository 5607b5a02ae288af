package dev.rigfleet.agent.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.rigfleet.agent.apps.AppRuntime.ServiceStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The device's apps: keeps the services of the target state running through the {@link AppRuntime}, holds an
 * update back while an app holds its update lock (and applies it once the lock is gone), and performs the
 * supervisor API's operations on them under the locks. Methods block (processes start and stop): call them off the
 * event loop.
 */
public final class DeviceApps {

    private static final Logger LOG = Logger.getLogger(DeviceApps.class.getName());

    /** What the device runs now, as the supervisor API reports it. */
    public record Current(long appId, String appName, long releaseId, String commit, List<ServiceSpec> services) {

        static final Current NONE = new Current(0, "", 0, "", List.of());

        /** The service with exactly this uuid (as the target state spells it), if the device runs one. */
        public Optional<ServiceSpec> service(String uuid) {
            return services.stream()
                    .filter(service -> service.uuid().equals(uuid))
                    .findFirst();
        }
    }

    private final AppRuntime runtime;
    private final UpdateLocks locks;
    private final Path appsDir;
    private final Function<ServiceSpec, Map<String, String>> environment;
    private volatile Current current = Current.NONE;
    private volatile JsonNode pending = NullNode.instance;
    private volatile boolean updateFailed;
    private volatile boolean restartPending;

    /**
     * @param environment the variables the agent hands each service besides its own (the supervisor API's address
     *     and key, the lock path, ...)
     */
    public DeviceApps(
            AppRuntime runtime,
            UpdateLocks locks,
            Path appsDir,
            Function<ServiceSpec, Map<String, String>> environment) {
        this.runtime = runtime;
        this.locks = locks;
        this.appsDir = appsDir;
        this.environment = environment;
    }

    public Current current() {
        return current;
    }

    /** Whether an update is waiting for an app's lock. */
    public boolean updatePending() {
        return !pending.isNull();
    }

    public boolean updateFailed() {
        return updateFailed;
    }

    /**
     * Takes a new target state: applies it now, or, while an app holds its lock and {@code force} is not given, keeps
     * it until {@link #retryPending()} finds the lock gone. Answers whether it was applied.
     */
    public synchronized boolean offer(JsonNode targetState, boolean force) {
        pending = targetState;
        return retry(force);
    }

    /**
     * Applies a held-back update, and a held-back restart for a new supervisor key, if no app holds its lock any more;
     * answers whether an update was applied.
     */
    public synchronized boolean retryPending() {
        boolean applied = updatePending() && retry(false);
        if (restartPending) {
            restartForNewKey();
        }
        return applied;
    }

    /** Whether the apps still wait, behind a lock, to be restarted with a new supervisor key. */
    public boolean restartPending() {
        return restartPending;
    }

    /**
     * Restarts the apps so that they get the new supervisor key, under their locks as the reference recreates them;
     * one that holds its lock is restarted once the lock is gone ({@link #retryPending()}).
     */
    public synchronized void restartForNewKey() {
        try {
            restart(false);
            restartPending = false;
        } catch (UpdateLocks.Locked locked) {
            restartPending = true;
            LOG.info("The restart for the new supervisor key waits: " + locked.getMessage());
        }
    }

    private boolean retry(boolean force) {
        JsonNode target = pending;
        List<ServiceSpec> wanted = ServiceSpec.of(target);
        if (sameAsRunning(target, wanted)) {
            pending = NullNode.instance;
            return true;
        }
        List<String> touched = Stream.concat(current.services().stream(), wanted.stream())
                .map(ServiceSpec::uuid)
                .distinct()
                .toList();
        try {
            locks.run(touched, force, "update", () -> {
                apply(target, wanted);
                return null;
            });
            pending = NullNode.instance;
            updateFailed = false;
            return true;
        } catch (UpdateLocks.Locked locked) {
            LOG.info("Update held back: " + locked.getMessage());
            return false;
        } catch (RuntimeException e) {
            updateFailed = true;
            pending = NullNode.instance;
            LOG.warning("Update failed: " + e.getMessage());
            throw e;
        }
    }

    private boolean sameAsRunning(JsonNode target, List<ServiceSpec> wanted) {
        return wanted.equals(current.services())
                && wanted.stream()
                        .allMatch(service -> runtime.status(service.uuid())
                                .map(status -> !"exited".equals(status.status()))
                                .orElse(false))
                && target.path("appId").asLong() == current.appId();
    }

    private void apply(JsonNode target, List<ServiceSpec> wanted) {
        List<String> keep = wanted.stream().map(ServiceSpec::uuid).toList();
        current.services().stream()
                .filter(service -> !keep.contains(service.uuid()))
                .forEach(service -> runtime.stop(service.uuid()));
        for (ServiceSpec service : wanted) {
            runtime.start(service, environment.apply(service), dataDir(service.uuid()), locks.lockDir(service.uuid()));
        }
        JsonNode release = target.path("release");
        current = new Current(
                target.path("appId").asLong(),
                target.path("fleet").asText(""),
                release.path("releaseId").asLong(),
                release.path("commit").asText(""),
                wanted);
    }

    /** Restarts every service of the app. */
    public void restart(boolean force) {
        Current running = current;
        locks.run(uuids(running), force, "restart", () -> {
            running.services().forEach(service -> {
                runtime.stop(service.uuid());
                startService(service);
            });
            return null;
        });
    }

    /** Clears every service's data folder, and only that, with the services stopped meanwhile. */
    public void purge(boolean force) {
        Current running = current;
        locks.run(uuids(running), force, "purge", () -> {
            running.services().forEach(service -> {
                runtime.stop(service.uuid());
                clear(dataDir(service.uuid()));
                startService(service);
            });
            return null;
        });
    }

    /** Stops the one service (the single-container endpoints); answers its id. */
    public Optional<String> stop(ServiceSpec service, boolean force) {
        return locks.run(List.of(service.uuid()), force, "stop", () -> runtime.stop(service.uuid()));
    }

    /** Starts the one service; an app's lock does not hold it back ("a single service start action doesn't require locks"). */
    public String start(ServiceSpec service) {
        return locks.runIgnoringAppLocks(List.of(service.uuid()), () -> startService(service));
    }

    /** Runs an operation on the whole device (reboot, shutdown) once no app holds its lock, or with force. */
    public void whileUnlocked(boolean force, String operation, Runnable action) {
        locks.run(uuids(current), force, operation, () -> {
            action.run();
            return null;
        });
    }

    public Optional<ServiceStatus> status(ServiceSpec service) {
        return runtime.status(service.uuid());
    }

    /** Starts every service of the app that is not running (as after the device booted). */
    public void startAll() {
        current.services().forEach(this::startService);
    }

    /** Stops the services (the agent is stopping); they start again with the agent. */
    /** Removes what the runtime keeps that no service uses; answers the bytes freed. Blocks. */
    public long prune() {
        return runtime.prune();
    }

    public void stopAll() {
        runtime.stopAll();
    }

    private String startService(ServiceSpec service) {
        return runtime.start(
                service, environment.apply(service), dataDir(service.uuid()), locks.lockDir(service.uuid()));
    }

    public Path dataDir(String serviceUuid) {
        return appsDir.resolve(serviceUuid).resolve("data");
    }

    private static List<String> uuids(Current running) {
        return running.services().stream().map(ServiceSpec::uuid).toList();
    }

    private static void clear(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> inside = Files.walk(dir)) {
            for (Path path : inside.sorted(Comparator.reverseOrder()).toList()) {
                if (!path.equals(dir)) {
                    Files.delete(path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }
}
