package dev.rigfleet.workspaces.ci;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How this platform runs CI jobs (docs/ci.md, "Operating it"). */
@ConfigMapping(prefix = "rigfleet.ci")
public interface CiSettings {

    /**
     * Whether {@code file://} repository URLs are accepted. Off: on a device whose instances are local processes,
     * a file URL would be cloned from the device's own files, and the platform would read its own.
     */
    @WithDefault("false")
    boolean allowFileUrls();

    /** The longest {@code timeout} and {@code queue_timeout} a .rigfleet.yml may ask for. */
    @WithDefault("6h")
    Duration maxTimeout();

    /** A job's log is cut here, with a marker saying so; the job goes on. */
    @WithDefault("8388608")
    long maxLogBytes();

    /** How long reading a repository at submission, and cloning it in the instance, may take. */
    @WithDefault("60s")
    Duration fetchTimeout();

    /** Jobs one replica runs at once; more wait queued for a replica with room. */
    @WithDefault("4")
    int maxRunningJobs();

    /** How often a replica looks for queued jobs and lapsed runners (read by the scheduler, hence a string). */
    @WithDefault("1s")
    String pollInterval();

    /** How long a runner's claim on a job holds unless renewed; a replica that stops frees its jobs after it. */
    @WithDefault("30s")
    Duration claim();
}
