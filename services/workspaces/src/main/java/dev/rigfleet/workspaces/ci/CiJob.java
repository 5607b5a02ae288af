package dev.rigfleet.workspaces.ci;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One run of a project's repository at a branch or commit, as stored (docs/ci.md, "Jobs"). */
public record CiJob(
        UUID id,
        UUID projectId,
        UUID ownerId,
        String branch,
        String commitId,
        String revision,
        String status,
        String reason,
        boolean timedOut,
        boolean cancelAsked,
        String eurl,
        Map<String, Object> config,
        UUID deploymentId,
        UUID instanceId,
        long logBytes,
        boolean logTruncated,
        Map<String, Object> results,
        Instant createdAt,
        Instant startedAt,
        Instant endedAt) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String ERROR = "error";
    public static final String CANCELLED = "cancelled";

    static final List<String> LIVE = List.of(QUEUED, RUNNING);

    public boolean live() {
        return LIVE.contains(status);
    }

    /** One step of the job: its command and, once run, its exit code and times. */
    public record Step(int position, String command, Integer exitCode, Instant startedAt, Instant endedAt) {}
}
