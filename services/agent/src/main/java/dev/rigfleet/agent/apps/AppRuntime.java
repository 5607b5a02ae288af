package dev.rigfleet.agent.apps;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the device's services: local processes ({@link ProcessRuntime}, the default) or containers. Calls may block
 * (they start and stop processes): callers run them off the event loop.
 */
public interface AppRuntime {

    /** What a service is doing now. {@code id} is the runtime's name for the running instance. */
    record ServiceStatus(String id, String status) {}

    /**
     * Starts the service unless it runs already; answers its instance id. {@code environment} is the full
     * environment, {@code dataDir} its persistent data folder, {@code lockDir} where it takes its update lock.
     */
    String start(ServiceSpec service, Map<String, String> environment, Path dataDir, Path lockDir);

    /** Stops the service and keeps it stopped; answers the id it had, if it ran. */
    Optional<String> stop(String serviceUuid);

    Optional<ServiceStatus> status(String serviceUuid);

    /** Stops every service (the agent is stopping). */
    void stopAll();

    /**
     * Removes what the runtime keeps that no service uses (the ioFog API's prune): for containers, every image no
     * container uses. Answers the bytes freed.
     */
    long prune();
}
