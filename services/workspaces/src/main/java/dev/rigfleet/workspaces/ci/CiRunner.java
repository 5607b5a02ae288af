package dev.rigfleet.workspaces.ci;

import dev.rigfleet.workspaces.client.RegistryGitKeys;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.repository.ReservationRepository;
import dev.rigfleet.workspaces.service.Reservations;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs queued CI jobs on this replica, at most {@code rigfleet.ci.max-running-jobs} at once, each on a thread of
 * its own ({@link JobRun}). A job is claimed in the database for a while and the claim renewed as it runs, so that
 * any replica may run any job, none runs one twice, and a job whose replica stopped is ended by another.
 */
@ApplicationScoped
public class CiRunner {

    private static final Duration WATCH = Duration.ofMillis(200);

    private final CiRepository ci;
    private final CiJobs jobs;
    private final CiSettings settings;
    private final JobTokens tokens;
    private final JobInstances instances;
    private final Reservations reservations;
    private final ReservationRepository reservationRows;
    private final RegistryGitKeys gitKeys;
    private final String runnerName = "runner-" + UUID.randomUUID();
    private final Map<UUID, JobRun> running = new ConcurrentHashMap<>();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final ExecutorService threads;
    private final ScheduledExecutorService watchers;

    public CiRunner(
            CiRepository ci,
            CiJobs jobs,
            CiSettings settings,
            JobTokens tokens,
            JobInstances instances,
            Reservations reservations,
            ReservationRepository reservationRows,
            RegistryGitKeys gitKeys) {
        this.ci = ci;
        this.jobs = jobs;
        this.settings = settings;
        this.tokens = tokens;
        this.instances = instances;
        this.reservations = reservations;
        this.reservationRows = reservationRows;
        this.gitKeys = gitKeys;
        this.threads = Executors.newFixedThreadPool(settings.maxRunningJobs(), task -> {
            Thread thread = new Thread(task, "ci-job-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.watchers = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ci-job-watch");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Takes what this replica has room for, and ends the jobs that a stopped replica left behind. */
    @Scheduled(
            every = "${rigfleet.ci.poll-interval}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        Instant now = Instant.now();
        int room = settings.maxRunningJobs() - running.size();
        Uni<Void> claimed = room <= 0
                ? Uni.createFrom().voidItem()
                : ci.claimQueued(runnerName, now, now.plus(settings.claim()), room)
                        .chain(claimedJobs -> Multi.createFrom()
                                .iterable(claimedJobs)
                                .onItem()
                                .transformToUniAndConcatenate(this::start)
                                .collect()
                                .asList()
                                .replaceWithVoid());
        return claimed.chain(() -> ci.lapsedRunning(now))
                .chain(lapsed -> Multi.createFrom()
                        .iterable(lapsed)
                        .onItem()
                        .transformToUniAndConcatenate(this::abandoned)
                        .collect()
                        .asList()
                        .replaceWithVoid())
                .onFailure()
                .recoverWithUni(e -> {
                    Log.warnf("The CI runner's poll failed (%s); it runs again", e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> start(CiJob job) {
        if (job.cancelAsked()) {
            return jobs.end(job, CiJob.CANCELLED, "cancelled by its owner before it ran", false, null)
                    .replaceWithVoid();
        }
        return ci.project(job.projectId())
                .invoke(project -> {
                    JobRun run = new JobRun(job, project, this);
                    running.put(job.id(), run);
                    threads.execute(run);
                })
                .replaceWithVoid();
    }

    /** A running job whose replica stopped: its instance goes, and it ends as an infrastructure error. */
    private Uni<Void> abandoned(CiJob job) {
        return Uni.createFrom()
                .item(() -> {
                    if (job.instanceId() != null) {
                        try {
                            endInstance(tokens.mint(job.ownerId(), Duration.ofMinutes(5)), job, job.instanceId());
                        } catch (Throwable e) {
                            Log.warnf(
                                    "CI job %s: could not end its instance %s (%s); it expires on its own",
                                    job.id(), job.instanceId(), e);
                        }
                    }
                    return job;
                })
                .runSubscriptionOn(threads)
                .chain(ignored ->
                        jobs.end(job, CiJob.ERROR, "runner lost: the replica running the job stopped", false, null))
                .replaceWithVoid();
    }

    /**
     * While the job runs: its log written out every {@link #WATCH}, its claim renewed, and its owner's cancel
     * noticed. Answers what stops watching.
     */
    Runnable watch(JobRun run) {
        AtomicLong ticks = new AtomicLong();
        long renewEvery = Math.max(1, settings.claim().toMillis() / 3 / WATCH.toMillis());
        ScheduledFuture<?> watching = watchers.scheduleWithFixedDelay(
                () -> {
                    try {
                        run.log().store();
                        long tick = ticks.incrementAndGet();
                        if (tick % renewEvery == 0) {
                            renewed(run);
                        } else if (tick % 5 == 0) {
                            cancelAsked(run);
                        }
                    } catch (RuntimeException e) {
                        Log.warnf("CI job %s: %s", run.job().id(), e.getMessage());
                    }
                },
                WATCH.toMillis(),
                WATCH.toMillis(),
                TimeUnit.MILLISECONDS);
        return () -> watching.cancel(false);
    }

    private void renewed(JobRun run) {
        Instant until = Instant.now().plus(settings.claim());
        if (!ci.renew(run.job().id(), runnerName, until).await().atMost(Duration.ofSeconds(10))) {
            Log.warnf(
                    "CI job %s is no longer this runner's; it stops", run.job().id());
            run.cancel();
        }
        cancelAsked(run);
    }

    private void cancelAsked(JobRun run) {
        CiJob now = ci.job(run.job().id()).await().atMost(Duration.ofSeconds(10));
        if (now != null && now.cancelAsked()) {
            run.cancel();
        }
    }

    /** The job's instance terminated, or its reservation, if it is still queued, deleted. */
    void endInstance(JobToken token, CiJob job, UUID instanceId) {
        int status = instances.terminate(token, instanceId);
        if (status == 404) {
            reservations
                    .delete(new Requester(job.ownerId(), "", false), instanceId)
                    .onFailure()
                    .recoverWithNull()
                    .await()
                    .atMost(Duration.ofSeconds(10));
        }
    }

    /** The state of the reservation a job's instance waits in, or null when there is none. */
    String reservationState(UUID id) {
        return reservationRows.state(id).await().atMost(Duration.ofSeconds(10));
    }

    /** The key an owner's jobs sign in to ssh:// repositories with. */
    RegistryGitKeys.Pair gitKey(UUID owner) {
        return gitKeys.of(owner).await().atMost(Duration.ofSeconds(30));
    }

    /** The job's outcome stored, with its callback owed; the job leaves this runner. */
    void finish(CiJob job, JobRun.Ending ending) {
        try {
            jobs.end(
                            job,
                            ending.status(),
                            ending.reason(),
                            ending.timedOut(),
                            ending.results() == null ? null : ending.results().toMap())
                    .await()
                    .atMost(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            Log.errorf(
                    e,
                    "CI job %s: could not store its end (%s); another replica ends it when its claim lapses",
                    job.id(),
                    ending.status());
        } finally {
            running.remove(job.id());
        }
    }

    CiRepository ci() {
        return ci;
    }

    CiSettings settings() {
        return settings;
    }

    JobTokens tokens() {
        return tokens;
    }

    JobInstances instances() {
        return instances;
    }

    /** The jobs running here stop with the replica; their claims lapse and another replica (or this one, back) ends them. */
    void stop(@Observes ShutdownEvent stopping) {
        watchers.shutdownNow();
        threads.shutdownNow();
    }
}
