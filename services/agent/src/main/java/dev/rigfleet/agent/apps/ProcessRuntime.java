package dev.rigfleet.agent.apps;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Services as local processes: each runs its {@code command} with its environment in its data folder, its output
 * appended to {@code <data folder>/../service.log}, and is started again after it exits as its restart policy says
 * ({@code always}, {@code unless-stopped}, {@code on-failure}, {@code no}), after a pause that doubles up to 30 s.
 */
public final class ProcessRuntime implements AppRuntime {

    private static final Logger LOG = Logger.getLogger(ProcessRuntime.class.getName());
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final long FIRST_RESTART_MS = 1000;
    private static final long MAX_RESTART_MS = 30_000;

    private final class Supervised {
        final ServiceSpec spec;
        final Map<String, String> environment;
        final Path dataDir;
        Process process;
        boolean stopped;
        long restartDelay = FIRST_RESTART_MS;
        Integer lastExit;

        Supervised(ServiceSpec spec, Map<String, String> environment, Path dataDir) {
            this.spec = spec;
            this.environment = environment;
            this.dataDir = dataDir;
        }
    }

    private final Vertx vertx;
    private final Map<String, Supervised> services = new ConcurrentHashMap<>();

    public ProcessRuntime(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public String start(ServiceSpec service, Map<String, String> environment, Path dataDir, Path lockDir) {
        if (service.command().isEmpty()) {
            throw new IllegalArgumentException(
                    "service " + service.name() + " names an image: the local-process runtime runs commands");
        }
        Supervised supervised = services.compute(service.uuid(), (uuid, known) -> {
            boolean same = known != null
                    && known.spec.equals(service)
                    && known.environment.equals(environment)
                    && known.process != null
                    && known.process.isAlive();
            if (same) {
                return known;
            }
            if (known != null) {
                known.stopped = true;
                terminate(known);
            }
            return new Supervised(service, environment, dataDir);
        });
        synchronized (supervised) {
            supervised.stopped = false;
            if (supervised.process == null || !supervised.process.isAlive()) {
                launch(supervised);
            }
            return id(supervised.process);
        }
    }

    @Override
    public Optional<String> stop(String serviceUuid) {
        Supervised supervised = services.get(serviceUuid);
        if (supervised == null) {
            return Optional.empty();
        }
        synchronized (supervised) {
            supervised.stopped = true;
            Process process = supervised.process;
            terminate(supervised);
            return process == null ? Optional.empty() : Optional.of(id(process));
        }
    }

    @Override
    public Optional<ServiceStatus> status(String serviceUuid) {
        Supervised supervised = services.get(serviceUuid);
        if (supervised == null) {
            return Optional.empty();
        }
        synchronized (supervised) {
            Process process = supervised.process;
            String status =
                    process != null && process.isAlive() ? "Running" : supervised.stopped ? "Stopped" : "exited";
            return Optional.of(new ServiceStatus(process == null ? "" : id(process), status));
        }
    }

    @Override
    public long prune() {
        return 0; // local processes leave no images or layers behind
    }

    @Override
    public void stopAll() {
        services.keySet().forEach(this::stop);
    }

    private void launch(Supervised supervised) {
        ProcessBuilder builder = new ProcessBuilder(supervised.spec.command())
                .directory(supervised.dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        supervised.dataDir.resolveSibling("service.log").toFile()));
        builder.environment().clear();
        builder.environment().putAll(supervised.environment);
        try {
            Files.createDirectories(supervised.dataDir);
            Process process = builder.start();
            supervised.process = process;
            LOG.log(Level.INFO, "Started service {0} ({1})", new Object[] {supervised.spec.name(), id(process)});
            process.onExit().thenAccept(exited -> exited(supervised, exited));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start service " + supervised.spec.name() + ": " + e.getMessage(), e);
        }
    }

    private void exited(Supervised supervised, Process exited) {
        long delay;
        synchronized (supervised) {
            if (supervised.process != exited || supervised.stopped) {
                return;
            }
            supervised.lastExit = exited.exitValue();
            boolean again = switch (supervised.spec.restart()) {
                case "no" -> false;
                case "on-failure" -> exited.exitValue() != 0;
                default -> true;
            };
            LOG.log(Level.INFO, "Service {0} exited with status {1}{2}", new Object[] {
                supervised.spec.name(),
                exited.exitValue(),
                again ? "; starting it again in " + supervised.restartDelay + " ms" : ""
            });
            if (!again) {
                return;
            }
            delay = supervised.restartDelay;
            supervised.restartDelay = Math.min(MAX_RESTART_MS, supervised.restartDelay * 2);
        }
        vertx.setTimer(
                delay,
                ignored -> vertx.executeBlocking(() -> {
                    synchronized (supervised) {
                        if (!supervised.stopped && services.get(supervised.spec.uuid()) == supervised) {
                            launch(supervised);
                        }
                    }
                    return null;
                }));
    }

    private static void terminate(Supervised supervised) {
        Process process = supervised.process;
        if (process == null || !process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String id(Process process) {
        return "process-" + process.pid();
    }
}
