package dev.rigfleet.agent.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.apps.ConfigsChanged;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import dev.rigfleet.agent.config.AgentConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Where target states reach the apps: from the device link, from {@code POST /v2/local/target-state}, and from the
 * state directory when the agent starts (so that the apps run again before the link is up). An update an app's lock
 * holds back is tried again every second until the lock is gone.
 */
@ApplicationScoped
public class AppUpdates {

    public static final String TARGET_STATE_FILE = "target-state.json";

    private final DeviceApps apps;
    private final Event<ConfigsChanged> configsChanged;
    private final Vertx vertx;
    private final Path targetFile;
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicBoolean retrying = new AtomicBoolean();
    private volatile JsonNode latest;
    private volatile boolean healthy = true;
    private long lockWatch = -1;

    public AppUpdates(DeviceApps apps, Vertx vertx, AgentConfig config, Event<ConfigsChanged> configsChanged) {
        this.apps = apps;
        this.configsChanged = configsChanged;
        this.vertx = vertx;
        this.targetFile = config.stateDir().resolve(TARGET_STATE_FILE);
    }

    void start(@Observes StartupEvent started) {
        lockWatch = vertx.setPeriodic(1000, ignored -> {
            if ((apps.updatePending() || apps.restartPending()) && retrying.compareAndSet(false, true)) {
                vertx.executeBlocking(apps::retryPending, false)
                        .onComplete(done -> retrying.set(false))
                        .onSuccess(applied -> {
                            if (applied) {
                                Log.info("Applied the update an app's lock held back");
                            }
                        });
            }
        });
        if (Files.exists(targetFile)) {
            vertx.executeBlocking(() -> offer(json.readTree(targetFile.toFile()), false), false)
                    .onFailure(e -> Log.errorf("Could not start the apps of %s: %s", targetFile, e.getMessage()));
        }
    }

    /** The Vert.x instance may outlive the application (Quarkus keeps it between test applications). */
    void stop(@Observes ShutdownEvent stopping) {
        vertx.cancelTimer(lockWatch);
    }

    /** A target state from the platform: kept in the state directory, then run. */
    public void fromPlatform(long version, String targetJson) {
        vertx.executeBlocking(
                        () -> {
                            Path temporary = Files.createTempFile(targetFile.getParent(), TARGET_STATE_FILE, ".tmp");
                            Files.writeString(temporary, targetJson);
                            Files.move(
                                    temporary,
                                    targetFile,
                                    StandardCopyOption.ATOMIC_MOVE,
                                    StandardCopyOption.REPLACE_EXISTING);
                            return offer(json.readTree(targetJson), false);
                        },
                        false)
                .onSuccess(applied -> Log.infof(
                        "Target state %d %s", version, applied ? "applied" : "held back by an app's update lock"))
                .onFailure(e -> Log.errorf("Could not apply target state %d: %s", version, e.getMessage()));
    }

    /** A target state to run; answers whether it runs now (else an app's lock holds it back). Blocks. */
    public boolean offer(JsonNode targetState, boolean force) {
        latest = targetState;
        Map<String, String> configsBefore = configs();
        try {
            boolean applied = apps.offer(targetState, force);
            healthy = true;
            Map<String, String> configsAfter = configs();
            Set<String> changed = configsAfter.keySet().stream()
                    .filter(uuid -> configsBefore.containsKey(uuid)
                            && !configsBefore.get(uuid).equals(configsAfter.get(uuid)))
                    .collect(Collectors.toSet());
            if (!changed.isEmpty()) {
                configsChanged.fire(new ConfigsChanged(changed));
            }
            return applied;
        } catch (RuntimeException e) {
            healthy = false;
            throw e;
        }
    }

    private Map<String, String> configs() {
        return apps.current().services().stream().collect(Collectors.toMap(ServiceSpec::uuid, ServiceSpec::config));
    }

    /** {@code POST /v1/update}: the latest target state again, now. */
    public boolean updateNow(boolean force) {
        JsonNode target = latest;
        return target == null || offer(target, force);
    }

    /** False after the last update failed to apply (a service that cannot start). */
    public boolean healthy() {
        return healthy;
    }
}
