package dev.rigfleet.workspaces.ci;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** How jobs look in the API (docs/api.md, "CI"). */
final class CiViews {

    private CiViews() {}

    /** A job in a list: what it is and how it stands. */
    static Map<String, Object> summary(CiJob job) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", job.id().toString());
        view.put("pid", job.projectId().toString());
        view.put("status", job.status());
        view.put("reason", job.reason());
        view.put("timeout", job.timedOut());
        view.put("branch", job.branch());
        view.put("commit", job.commitId());
        view.put("revision", job.revision());
        view.put("created", text(job.createdAt()));
        view.put("started", text(job.startedAt()));
        view.put("ended", text(job.endedAt()));
        return view;
    }

    /** {@code GET /ci/job/:id}: the summary, where it ran, what it ran and each step's outcome. */
    static Map<String, Object> detail(CiJob job, List<CiJob.Step> steps) {
        Map<String, Object> view = summary(job);
        view.put("cancel_asked", job.cancelAsked());
        view.put("deployment", text(job.deploymentId()));
        view.put("instance", text(job.instanceId()));
        view.put("config", job.config());
        view.put(
                "steps",
                steps.stream()
                        .map(step -> {
                            Map<String, Object> shown = new LinkedHashMap<>();
                            shown.put("command", step.command());
                            shown.put("exit_code", step.exitCode());
                            shown.put("started", text(step.startedAt()));
                            shown.put("ended", text(step.endedAt()));
                            return shown;
                        })
                        .toList());
        view.put("log_bytes", job.logBytes());
        view.put("log_truncated", job.logTruncated());
        return view;
    }

    /** {@code GET /ci/job/:id/results}: the job's status and its parsed JUnit results. */
    static Map<String, Object> results(CiJob job) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", job.id().toString());
        view.put("status", job.status());
        view.putAll(job.results() == null ? JUnitResults.NONE.toMap() : job.results());
        return view;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    private static String text(UUID id) {
        return id == null ? null : id.toString();
    }
}
