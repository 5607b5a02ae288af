package dev.rigfleet.agent.supervisor;

import dev.rigfleet.agent.apps.AppRuntime;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.EngineRuntime;
import dev.rigfleet.agent.apps.ProcessRuntime;
import dev.rigfleet.agent.apps.ServiceSpec;
import dev.rigfleet.agent.apps.UpdateLocks;
import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.host.HostControl;
import dev.rigfleet.agent.host.LinuxHostControl;
import dev.rigfleet.agent.host.RecordingHostControl;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Wires the device-facing parts of the agent from its configuration. */
@ApplicationScoped
public class SupervisorBeans {

    @Produces
    @ApplicationScoped
    SupervisorKey supervisorKey(AgentConfig config) {
        return SupervisorKey.load(config.stateDir());
    }

    @Produces
    @ApplicationScoped
    HostControl hostControl(AgentConfig config) {
        return switch (config.hostControl()) {
            case "linux" -> {
                Log.warn("Host control acts on this machine (rigfleet.agent.host-control=linux): reboot and "
                        + "shutdown requests will reboot and shut it down");
                yield new LinuxHostControl(Path.of("/etc/hostname"), config.led());
            }
            case "recording" -> new RecordingHostControl(localHostname());
            default ->
                throw new IllegalArgumentException(
                        "rigfleet.agent.host-control must be recording or linux, not " + config.hostControl());
        };
    }

    @Produces
    @ApplicationScoped
    DeviceApps deviceApps(
            AgentConfig config,
            Vertx vertx,
            SupervisorKey key,
            @ConfigProperty(name = "quarkus.http.port") int apiPort) {
        String address = config.supervisorAddress().orElse("http://127.0.0.1:" + apiPort);
        Path appsDir = config.stateDir().resolve("apps");
        UpdateLocks locks = new UpdateLocks(
                config.lockDir()
                        .<Function<String, Path>>map(base -> base::resolve)
                        .orElse(uuid -> appsDir.resolve(uuid).resolve("lock")),
                config.lockWait());
        AppRuntime runtime = switch (config.runtime()) {
            case "process" -> new ProcessRuntime(vertx);
            case "engine" -> new EngineRuntime(config.engineSocket(), config.engineNetwork());
            default ->
                throw new IllegalArgumentException(
                        "rigfleet.agent.runtime must be process or engine, not " + config.runtime());
        };
        return new DeviceApps(
                runtime, locks, appsDir, service -> environment(service, address, key, locks.lockDir(service.uuid())));
    }

    void stopApps(@Observes ShutdownEvent stopping, DeviceApps apps) {
        apps.stopAll();
    }

    /** What every service gets besides its own variables: how to reach the agent's APIs, its key and its lock. */
    static Map<String, String> environment(ServiceSpec service, String address, SupervisorKey key, Path lockDir) {
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        environment.put("LANG", "C.UTF-8");
        URI uri = URI.create(address);
        for (String prefix : new String[] {"RIGFLEET", "BALENA", "RESIN"}) {
            environment.put(prefix + "_SUPERVISOR_API_KEY", key.current());
            environment.put(prefix + "_SUPERVISOR_ADDRESS", address);
            environment.put(prefix + "_SUPERVISOR_HOST", uri.getHost());
            environment.put(prefix + "_SUPERVISOR_PORT", Integer.toString(uri.getPort()));
            environment.put(prefix + "_APP_ID", Long.toString(service.appId()));
            environment.put(prefix + "_SERVICE_NAME", service.name());
        }
        // The reference's two names for it, and ours.
        for (String prefix : new String[] {"RIGFLEET", "BALENA", "RESIN"}) {
            environment.put(
                    prefix + "_APP_LOCK_PATH",
                    lockDir.resolve(UpdateLocks.LOCK_FILE).toString());
        }
        // The ioFog-style microservice id: the service's uuid.
        environment.put("SELFNAME", service.uuid());
        environment.putAll(service.environment());
        return environment;
    }

    private static String localHostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
