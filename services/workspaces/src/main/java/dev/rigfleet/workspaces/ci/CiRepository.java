package dev.rigfleet.workspaces.ci;

import dev.rigfleet.workspaces.repository.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** CI's tables: projects, jobs with their steps, and the jobs' logs. */
@ApplicationScoped
public class CiRepository {

    private static final String PROJECT_COLUMNS = "id, owner_id, ns, repo_url, eurl, created_at, ssh_host_key";
    private static final String JOB_COLUMNS = "id, project_id, owner_id, branch, commit_id, revision, status, reason,"
            + " timed_out, cancel_asked, eurl, config, deployment_id, instance_id, log_bytes, log_truncated, results,"
            + " created_at, started_at, ended_at";

    private final Pool pool;

    public CiRepository(Pool pool) {
        this.pool = pool;
    }

    public Pool pool() {
        return pool;
    }

    public Uni<CiProject> insertProject(CiProject project) {
        return pool.preparedQuery(
                        "INSERT INTO ci_projects (" + PROJECT_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .execute(Tuple.from(Arrays.asList(
                        project.id(),
                        project.ownerId(),
                        project.ns(),
                        project.repoUrl(),
                        project.eurl(),
                        Rows.at(project.createdAt()),
                        project.sshHostKey())))
                .replaceWith(project);
    }

    /** The owner's project of this namespace and URL, made now if there is none (the spec form of POST /ci/new). */
    public Uni<CiProject> projectOfNamespace(SqlClient tx, UUID ownerId, String ns, String repoUrl, Instant now) {
        return tx.preparedQuery(
                        "INSERT INTO ci_projects (" + PROJECT_COLUMNS + ") VALUES ($1, $2, $3, $4, NULL, $5, NULL)"
                                + " ON CONFLICT (owner_id, ns, repo_url) WHERE ns IS NOT NULL DO NOTHING")
                .execute(Tuple.of(UUID.randomUUID(), ownerId, ns, repoUrl, Rows.at(now)))
                .chain(() -> tx.preparedQuery("SELECT " + PROJECT_COLUMNS
                                + " FROM ci_projects WHERE owner_id = $1 AND ns = $2 AND repo_url = $3")
                        .execute(Tuple.of(ownerId, ns, repoUrl)))
                .map(rows -> project(rows.iterator().next()));
    }

    /** The owner's project of this namespace and URL, or null when the spec form has not made it yet. */
    public Uni<CiProject> findProjectOfNamespace(UUID ownerId, String ns, String repoUrl) {
        return pool.preparedQuery("SELECT " + PROJECT_COLUMNS
                        + " FROM ci_projects WHERE owner_id = $1 AND ns = $2 AND repo_url = $3")
                .execute(Tuple.of(ownerId, ns, repoUrl))
                .map(rows -> rows.iterator().hasNext() ? project(rows.iterator().next()) : null);
    }

    /**
     * Keeps the host key as the project's unless it has one already: the project's host key after this, which
     * differs from {@code seen} when another job's read stored a different one first.
     */
    public Uni<String> rememberHostKey(SqlClient tx, UUID projectId, String seen) {
        return tx.preparedQuery("UPDATE ci_projects SET ssh_host_key = COALESCE(ssh_host_key, $2) WHERE id = $1"
                        + " RETURNING ssh_host_key")
                .execute(Tuple.of(projectId, seen))
                .map(rows -> rows.iterator().next().getString("ssh_host_key"));
    }

    public Uni<CiProject> project(UUID id) {
        return pool.preparedQuery("SELECT " + PROJECT_COLUMNS + " FROM ci_projects WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? project(rows.iterator().next()) : null);
    }

    public Uni<List<CiProject>> projectsOf(UUID ownerId) {
        return pool.preparedQuery(
                        "SELECT " + PROJECT_COLUMNS + " FROM ci_projects WHERE owner_id = $1 ORDER BY created_at, id")
                .execute(Tuple.of(ownerId))
                .map(rows -> stream(rows).map(CiRepository::project).toList());
    }

    /** A new job with its steps, in one transaction with whatever else {@code tx} does. */
    public Uni<CiJob> insertJob(SqlClient tx, CiJob job, List<String> steps) {
        Uni<RowSet<Row>> inserted = tx.preparedQuery("INSERT INTO ci_jobs (id, project_id, owner_id, branch,"
                        + " commit_id, revision, status, reason, eurl, config, created_at, ended_at)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                .execute(Tuple.from(new Object[] {
                    job.id(),
                    job.projectId(),
                    job.ownerId(),
                    job.branch(),
                    job.commitId(),
                    job.revision(),
                    job.status(),
                    job.reason(),
                    job.eurl(),
                    job.config() == null ? null : new JsonObject(job.config()),
                    Rows.at(job.createdAt()),
                    Rows.at(job.endedAt())
                }));
        if (steps.isEmpty()) {
            return inserted.replaceWith(job);
        }
        List<Tuple> rows = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            rows.add(Tuple.of(job.id(), i, steps.get(i)));
        }
        return inserted.chain(() -> tx.preparedQuery(
                                "INSERT INTO ci_job_steps (job_id, position, command) VALUES ($1, $2, $3)")
                        .executeBatch(rows))
                .replaceWith(job);
    }

    public Uni<CiJob> job(UUID id) {
        return pool.preparedQuery("SELECT " + JOB_COLUMNS + " FROM ci_jobs WHERE id = $1")
                .execute(Tuple.of(id))
                .map(CiRepository::firstJob);
    }

    /** The owner's jobs, newest first; of one namespace's projects when {@code ns} is given. */
    public Uni<List<CiJob>> jobsOf(UUID ownerId, String ns) {
        return pool.preparedQuery("SELECT " + prefixed("j.") + " FROM ci_jobs j JOIN ci_projects p ON p.id ="
                        + " j.project_id WHERE j.owner_id = $1 AND ($2::varchar IS NULL OR p.ns = $2)"
                        + " ORDER BY j.created_at DESC, j.id")
                .execute(Tuple.of(ownerId, ns))
                .map(rows -> stream(rows).map(CiRepository::job).toList());
    }

    public Uni<List<CiJob.Step>> steps(UUID jobId) {
        return pool.preparedQuery("SELECT position, command, exit_code, started_at, ended_at FROM ci_job_steps"
                        + " WHERE job_id = $1 ORDER BY position")
                .execute(Tuple.of(jobId))
                .map(rows -> stream(rows)
                        .map(row -> new CiJob.Step(
                                row.getInteger("position"),
                                row.getString("command"),
                                row.getInteger("exit_code"),
                                Rows.instant(row, "started_at"),
                                Rows.instant(row, "ended_at")))
                        .toList());
    }

    /**
     * Claims up to {@code limit} queued jobs for this runner, oldest first: those nobody runs, and those whose
     * runner's claim lapsed (its replica stopped before the job left the queue).
     */
    public Uni<List<CiJob>> claimQueued(String runner, Instant now, Instant until, int limit) {
        return pool.preparedQuery("UPDATE ci_jobs SET runner = $1, runner_until = $3 WHERE id IN (SELECT id FROM"
                        + " ci_jobs WHERE status = 'queued' AND (runner IS NULL OR runner_until < $2)"
                        + " ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING " + JOB_COLUMNS)
                .execute(Tuple.of(runner, Rows.at(now), Rows.at(until), limit))
                .map(rows -> stream(rows).map(CiRepository::job).toList());
    }

    /** Running jobs whose runner's claim lapsed: their replica stopped while they ran. */
    public Uni<List<CiJob>> lapsedRunning(Instant now) {
        return pool.preparedQuery("SELECT " + JOB_COLUMNS
                        + " FROM ci_jobs WHERE status = 'running' AND runner_until < $1 ORDER BY created_at LIMIT 100")
                .execute(Tuple.of(Rows.at(now)))
                .map(rows -> stream(rows).map(CiRepository::job).toList());
    }

    /** Extends this runner's claim; false when the job is no longer its own or has ended. */
    public Uni<Boolean> renew(UUID id, String runner, Instant until) {
        return pool.preparedQuery("UPDATE ci_jobs SET runner_until = $3 WHERE id = $1 AND runner = $2"
                        + " AND status IN ('queued', 'running')")
                .execute(Tuple.of(id, runner, Rows.at(until)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The instance that the job asked for (made now, or queued as a reservation of that id). */
    public Uni<Void> instanceAsked(UUID id, UUID instanceId) {
        return pool.preparedQuery("UPDATE ci_jobs SET instance_id = $2 WHERE id = $1")
                .execute(Tuple.of(id, instanceId))
                .replaceWithVoid();
    }

    /** The job runs from now, on this deployment. */
    public Uni<Void> running(UUID id, UUID deploymentId, Instant now) {
        return pool.preparedQuery("UPDATE ci_jobs SET status = 'running', deployment_id = $2, started_at = $3"
                        + " WHERE id = $1 AND status = 'queued'")
                .execute(Tuple.of(id, deploymentId, Rows.at(now)))
                .replaceWithVoid();
    }

    public Uni<Void> stepStarted(UUID id, int position, Instant now) {
        return pool.preparedQuery("UPDATE ci_job_steps SET started_at = $3 WHERE job_id = $1 AND position = $2")
                .execute(Tuple.of(id, position, Rows.at(now)))
                .replaceWithVoid();
    }

    public Uni<Void> stepEnded(UUID id, int position, Integer exitCode, Instant now) {
        return pool.preparedQuery(
                        "UPDATE ci_job_steps SET exit_code = $3, ended_at = $4 WHERE job_id = $1 AND position = $2")
                .execute(Tuple.of(id, position, exitCode, Rows.at(now)))
                .replaceWithVoid();
    }

    /** Appends a chunk at the log's end; {@code truncated} when it ends with the marker and nothing follows. */
    public Uni<Void> appendLog(UUID id, long offset, byte[] data, boolean truncated) {
        return pool.withTransaction(tx -> tx.preparedQuery(
                                "INSERT INTO ci_job_log (job_id, start_offset, data) VALUES ($1, $2, $3)")
                        .execute(Tuple.of(id, offset, io.vertx.core.buffer.Buffer.buffer(data)))
                        .chain(() -> tx.preparedQuery(
                                        "UPDATE ci_jobs SET log_bytes = GREATEST(log_bytes, $2::bigint + $3::bigint),"
                                                + " log_truncated = log_truncated OR $4 WHERE id = $1")
                                .execute(Tuple.of(id, offset, (long) data.length, truncated))))
                .replaceWithVoid();
    }

    /** The log's bytes from {@code offset} on, at most about {@code limit} of them, in order. */
    public Uni<byte[]> log(UUID id, long offset, int limit) {
        return pool.preparedQuery("SELECT start_offset, data FROM ci_job_log WHERE job_id = $1"
                        + " AND start_offset + length(data) > $2 ORDER BY start_offset LIMIT 64")
                .execute(Tuple.of(id, offset))
                .map(rows -> {
                    Buffer out = Buffer.buffer();
                    for (Row row : rows) {
                        if (out.length() >= limit) {
                            break;
                        }
                        long start = row.getLong("start_offset");
                        Buffer data = row.getBuffer("data");
                        int from = (int) Math.max(0, offset - start);
                        out.appendBuffer(data.getBuffer(from, data.length()));
                    }
                    return out.getBytes();
                });
    }

    /** Asks a live job of the owner to stop; the job as it is now, or null when it is not the owner's. */
    public Uni<CiJob> askCancel(UUID id, UUID ownerId) {
        return pool.preparedQuery("UPDATE ci_jobs SET cancel_asked = cancel_asked OR status IN ('queued', 'running')"
                        + " WHERE id = $1 AND owner_id = $2 RETURNING " + JOB_COLUMNS)
                .execute(Tuple.of(id, ownerId))
                .map(CiRepository::firstJob);
    }

    /**
     * Ends a live job, in {@code tx} (with its callback, so that the callback is owed only once all this is stored);
     * the ended job, or null when it had ended already.
     */
    public Uni<CiJob> end(
            SqlClient tx,
            UUID id,
            String status,
            String reason,
            boolean timedOut,
            Map<String, Object> results,
            Instant now) {
        return tx.preparedQuery("UPDATE ci_jobs SET status = $2, reason = $3, timed_out = $4, results = $5,"
                        + " ended_at = $6, runner = NULL, runner_until = NULL"
                        + " WHERE id = $1 AND status IN ('queued', 'running') RETURNING " + JOB_COLUMNS)
                .execute(Tuple.from(new Object[] {
                    id, status, reason, timedOut, results == null ? null : new JsonObject(results), Rows.at(now)
                }))
                .map(CiRepository::firstJob);
    }

    private static CiJob firstJob(RowSet<Row> rows) {
        return rows.iterator().hasNext() ? job(rows.iterator().next()) : null;
    }

    private static CiProject project(Row row) {
        return new CiProject(
                row.getUUID("id"),
                row.getUUID("owner_id"),
                row.getString("ns"),
                row.getString("repo_url"),
                row.getString("eurl"),
                Rows.instant(row, "created_at"),
                row.getString("ssh_host_key"));
    }

    private static CiJob job(Row row) {
        JsonObject config = (JsonObject) row.getValue("config");
        JsonObject results = (JsonObject) row.getValue("results");
        return new CiJob(
                row.getUUID("id"),
                row.getUUID("project_id"),
                row.getUUID("owner_id"),
                row.getString("branch"),
                row.getString("commit_id"),
                row.getString("revision"),
                row.getString("status"),
                row.getString("reason"),
                row.getBoolean("timed_out"),
                row.getBoolean("cancel_asked"),
                row.getString("eurl"),
                config == null ? null : config.getMap(),
                row.getUUID("deployment_id"),
                row.getUUID("instance_id"),
                row.getLong("log_bytes"),
                row.getBoolean("log_truncated"),
                results == null ? null : results.getMap(),
                Rows.instant(row, "created_at"),
                Rows.instant(row, "started_at"),
                Rows.instant(row, "ended_at"));
    }

    private static String prefixed(String alias) {
        return alias + JOB_COLUMNS.replace(", ", ", " + alias);
    }

    private static java.util.stream.Stream<Row> stream(RowSet<Row> rows) {
        return StreamSupport.stream(rows.spliterator(), false);
    }
}
