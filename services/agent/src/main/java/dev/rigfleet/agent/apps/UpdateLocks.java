package dev.rigfleet.agent.apps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Update locks, as balena's supervisor keeps them: an app holds its lock by creating {@code updates.lock} (or the
 * legacy {@code resin-updates.lock}) in its service's lock directory, and the agent leaves a locked app alone unless
 * told to force. The agent takes the same lock around its own operations on a service, so that two of them never
 * interleave: its lock file says {@value #AGENT_MARK}, and one left behind by an agent that crashed mid-operation is
 * recognised and cleared; an app's lock is never cleared without {@code force}.
 */
public final class UpdateLocks {

    public static final String LOCK_FILE = "updates.lock";
    public static final String LEGACY_LOCK_FILE = "resin-updates.lock";
    static final String AGENT_MARK = "rigfleet-agent";

    /** A lock kept the operation from running; the message says whose. */
    public static final class Locked extends RuntimeException {

        public Locked(String message) {
            super(message, null, false, false);
        }
    }

    private final Function<String, Path> lockDirs;
    private final Duration operationWait;
    private final Map<String, Semaphore> operations = new ConcurrentHashMap<>();

    /** @param lockDirs each service's lock directory, by the service's uuid */
    public UpdateLocks(Function<String, Path> lockDirs, Duration operationWait) {
        this.lockDirs = lockDirs;
        this.operationWait = operationWait;
    }

    /** The directory holding the service's lock files, made if missing. */
    public Path lockDir(String serviceUuid) {
        Path dir = lockDirs.apply(serviceUuid);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir, e);
        }
        return dir;
    }

    /** The service whose app holds its lock, if any of these does. */
    public Optional<String> heldByApp(Collection<String> serviceUuids) {
        return serviceUuids.stream().filter(this::appHolds).findFirst();
    }

    /**
     * Runs an operation on these services under their locks: waits a bounded time for another operation of the agent
     * on them, fails with {@link Locked} when an app holds one (unless {@code force}, which removes the app's lock),
     * and clears locks left by an agent that crashed.
     */
    public <T> T run(Collection<String> serviceUuids, boolean force, String operation, Supplier<T> action) {
        return serialised(serviceUuids, services -> {
            try {
                for (String service : services) {
                    clearStale(service);
                    if (appHolds(service)) {
                        if (!force) {
                            throw new Locked("Updates are locked: service " + service + " holds its update lock");
                        }
                        removeLocks(service);
                    }
                }
                for (String service : services) {
                    Files.writeString(
                            lockDir(service).resolve(LOCK_FILE),
                            AGENT_MARK + " " + operation + "\n",
                            StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                }
            } catch (IOException e) {
                throw new Locked("an app took its lock meanwhile: " + e.getMessage());
            }
            try {
                return action.get();
            } finally {
                services.forEach(this::removeLocks);
            }
        });
    }

    /**
     * Runs an operation that apps' locks do not hold back (as the reference starts a single service without taking
     * locks), still one at a time with the agent's other operations on these services.
     */
    public <T> T runIgnoringAppLocks(Collection<String> serviceUuids, Supplier<T> action) {
        return serialised(serviceUuids, services -> action.get());
    }

    private <T> T serialised(Collection<String> serviceUuids, Function<List<String>, T> action) {
        List<String> services = serviceUuids.stream().sorted().toList(); // one order: no deadlock between two
        int taken = 0;
        try {
            for (String service : services) {
                if (!semaphore(service).tryAcquire(operationWait.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new Locked("another operation on the service is still running");
                }
                taken++;
            }
            return action.apply(services);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Locked("interrupted while waiting for the service's lock");
        } finally {
            for (int i = 0; i < taken; i++) {
                semaphore(services.get(i)).release();
            }
        }
    }

    private Semaphore semaphore(String service) {
        return operations.computeIfAbsent(service, ignored -> new Semaphore(1));
    }

    private boolean appHolds(String service) {
        Path dir = lockDir(service);
        return lockFiles(dir).stream().anyMatch(file -> Files.exists(file) && !agentOwns(file));
    }

    /** With this service's semaphore held, an agent's lock file on disk is from an operation that never finished. */
    private void clearStale(String service) {
        lockFiles(lockDir(service)).stream().filter(UpdateLocks::agentOwns).forEach(UpdateLocks::delete);
    }

    private void removeLocks(String service) {
        lockFiles(lockDir(service)).forEach(UpdateLocks::delete);
    }

    private static List<Path> lockFiles(Path dir) {
        return List.of(dir.resolve(LOCK_FILE), dir.resolve(LEGACY_LOCK_FILE));
    }

    private static boolean agentOwns(Path file) {
        try {
            return Files.isRegularFile(file) && Files.readString(file).startsWith(AGENT_MARK);
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove lock " + file, e);
        }
    }
}
