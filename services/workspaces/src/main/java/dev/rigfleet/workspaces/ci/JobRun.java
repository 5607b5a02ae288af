package dev.rigfleet.workspaces.ci;

import dev.rigfleet.workspaces.model.Reservation;
import io.quarkus.logging.Log;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * One job, run by a runner's thread from start to end: an instance asked for as its owner, waited for (in the queue,
 * then INIT), the repository cloned in it at the job's revision, the steps run in order until one fails, the result
 * files read, and — whatever happened — the instance terminated and the job ended with its outcome.
 */
final class JobRun implements Runnable {

    private static final Duration POLL = Duration.ofMillis(250);
    /** How long an instance may take from its allocation to READY before the job gives up on it. */
    private static final Duration INIT = Duration.ofMinutes(3);
    /** The instance outlives a job that lost its runner by this much at most: it expires on its own. */
    private static final Duration EXPIRY_MARGIN = Duration.ofMinutes(10);

    private static final int MAX_RESULT_BYTES = 5 * 1024 * 1024;

    private final CiJob job;
    private final CiProject project;
    private final CiRunner runner;
    private final CiConfig config;
    private final JobLog log;
    private final String workdir;

    private volatile boolean cancelled;
    private volatile InstanceShell shell;
    /** The instance asked for, once the instances service answered: made, or queued as a reservation of its id. */
    private volatile UUID instanceId;

    JobRun(CiJob job, CiProject project, CiRunner runner) {
        this.job = job;
        this.project = project;
        this.runner = runner;
        this.config = CiConfig.fromMap(job.config());
        this.log = new JobLog(runner.ci(), job.id(), runner.settings().maxLogBytes());
        this.workdir = "/tmp/rigfleet-ci-" + job.id();
    }

    /** How the job ended. */
    record Ending(String status, String reason, boolean timedOut, JUnitResults results) {
        static Ending error(String reason) {
            return new Ending(CiJob.ERROR, reason, false, null);
        }
    }

    @Override
    public void run() {
        JobToken token = null;
        Ending ending;
        Runnable stopWatching = runner.watch(this);
        try {
            token = runner.tokens().mint(job.ownerId(), tokenLifetime());
            if (job.instanceId() != null) {
                // A runner before this one asked for an instance and stopped: that one goes, this run starts over.
                runner.endInstance(token, job, job.instanceId());
            }
            ending = runOn(token);
        } catch (Exception e) {
            Log.errorf(e, "CI job %s: the runner failed", job.id());
            ending = Ending.error("the runner failed: " + e.getMessage());
        } finally {
            closeShell();
        }
        try {
            if (token != null && instanceId != null) {
                log.say("terminating instance " + instanceId);
                runner.endInstance(token, job, instanceId);
            }
            log.say("job " + ending.status() + (ending.reason() == null ? "" : ": " + ending.reason()));
            log.store();
        } catch (RuntimeException e) {
            Log.warnf("CI job %s: could not end its instance or write its log (%s)", job.id(), e.getMessage());
        } finally {
            stopWatching.run();
            runner.finish(job, ending);
            if (token != null) {
                runner.tokens().revoke(job.ownerId(), token);
            }
        }
    }

    /** Asked by the job's owner: the command running now is ended, and the job ends {@code cancelled}. */
    void cancel() {
        cancelled = true;
        closeShell();
    }

    CiJob job() {
        return job;
    }

    JobLog log() {
        return log;
    }

    private Ending runOn(JobToken token) throws Exception {
        String target = config.deployment()
                .map(UUID::toString)
                .orElseGet(() -> config.workspace().orElseThrow());
        KeyPair key = keyPair();
        log.say("revision " + job.revision() + " of " + project.repoUrl());
        log.say("asking for an instance of " + target);
        JsonObject ask = new JsonObject()
                .put("sshkey", PublicKeyEntry.toString(key.getPublic()))
                .put("reserve", true)
                .put("queue_timeout", config.queueTimeout().toSeconds())
                .put("expire_d", config.timeout().plus(EXPIRY_MARGIN).toSeconds());
        JsonObject made = runner.instances().create(token, target, ask);
        if (made.getString("id") == null) {
            return Ending.error("no instance of " + target + ": "
                    + made.getString("error_message", made.getString("error", "the instances service refused")));
        }
        instanceId = UUID.fromString(made.getString("id"));
        runner.ci().instanceAsked(job.id(), instanceId).await().atMost(Duration.ofSeconds(10));
        if (!made.getBoolean("success", false)) {
            log.say("queued for " + target + " (reservation " + instanceId + "), for at most "
                    + config.queueTimeout().toSeconds() + " s");
        }
        Waited waited = awaitReady(token, instanceId);
        if (waited.ending() != null) {
            return waited.ending();
        }
        JsonObject ready = waited.instance();
        UUID deployment = UUID.fromString(ready.getString("deployment"));
        runner.ci().running(job.id(), deployment, Instant.now()).await().atMost(Duration.ofSeconds(10));
        log.say("running on deployment " + deployment + ", instance " + instanceId);
        JsonObject fwd = ready.getJsonObject("fwd");
        List<String> hostKeys = new ArrayList<>();
        ready.getJsonArray("hostkeys", new JsonArray()).forEach(hostKey -> hostKeys.add(String.valueOf(hostKey)));
        shell = InstanceShell.open(fwd.getString("ipv4"), fwd.getInteger("port"), hostKeys, key);
        if (cancelled) {
            return cancelledNow();
        }
        return cloneRepository().orElseGet(this::steps);
    }

    private Optional<Ending> cloneRepository() {
        log.say("$ git clone " + project.repoUrl() + " && git checkout " + job.revision());
        String branch = job.branch() == null ? "" : "--branch " + quoted(job.branch()) + " --single-branch ";
        String clone = "rm -rf " + quoted(workdir) + " && mkdir -p " + quoted(workdir) + " && cd " + quoted(workdir);
        byte[] input = new byte[0];
        String gitSsh = "";
        if (CiJobs.isSsh(project.repoUrl())) {
            if (project.sshHostKey() == null) {
                return Optional.of(Ending.error("clone failed: no host key is known for " + project.repoUrl()));
            }
            try {
                input = runner.gitKey(job.ownerId()).privateKey().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                return Optional.of(Ending.error("clone failed: " + e.getMessage()));
            }
            // The owner's key reaches the instance on standard input, never in a command line, and goes after the
            // clone: the steps that follow run as the same user.
            String ssh = workdir + "/.ssh";
            clone += " && mkdir -m 700 .ssh && (umask 077 && cat > .ssh/key) && printf '%s\\n' "
                    + quoted(knownHostsLine(project.repoUrl(), project.sshHostKey())) + " > .ssh/known_hosts";
            gitSsh = "GIT_SSH_COMMAND="
                    + quoted("ssh -F /dev/null -i " + ssh + "/key -o IdentitiesOnly=yes" + " -o UserKnownHostsFile="
                            + ssh + "/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes")
                    + " ";
        }
        clone += " && HOME=" + quoted(workdir) + " " + gitSsh + "git clone -q " + branch + "-- "
                + quoted(project.repoUrl()) + " repo && cd repo && HOME=" + quoted(workdir)
                + " git -c advice.detachedHead=false checkout -q " + quoted(job.revision());
        String command = "{ " + clone + "; } 2>&1; status=$?; rm -rf " + quoted(workdir + "/.ssh") + "; exit $status";
        InstanceShell.Outcome outcome;
        try {
            outcome = shell.run(command, input, log, runner.settings().fetchTimeout());
        } catch (IOException e) {
            return Optional.of(lost("while cloning", e));
        }
        if (cancelled) {
            return Optional.of(cancelledNow());
        }
        if (outcome.timedOut()) {
            return Optional.of(Ending.error("clone failed: not done within "
                    + runner.settings().fetchTimeout().toSeconds() + " s"));
        }
        if (outcome.exitCode() == null) {
            return Optional.of(Ending.error("device lost: the instance's connection closed while cloning"));
        }
        if (outcome.exitCode() != 0) {
            return Optional.of(Ending.error(
                    "clone failed: git exited with " + outcome.exitCode() + " (its output is in the log)"));
        }
        return Optional.empty();
    }

    /** The server's line of a known_hosts file: OpenSSH names a server on another port than 22 [host]:port. */
    private static String knownHostsLine(String repoUrl, String hostKey) {
        URI uri = URI.create(repoUrl);
        String host =
                uri.getPort() > 0 && uri.getPort() != 22 ? "[" + uri.getHost() + "]:" + uri.getPort() : uri.getHost();
        return host + " " + hostKey;
    }

    private Ending steps() {
        Instant deadline = Instant.now().plus(config.timeout());
        List<String> steps = config.steps();
        Ending ending = null;
        for (int i = 0; i < steps.size() && ending == null; i++) {
            String command = steps.get(i);
            runner.ci().stepStarted(job.id(), i, Instant.now()).await().atMost(Duration.ofSeconds(10));
            log.say("$ " + command.lines().findFirst().orElse("") + (command.contains("\n") ? " …" : ""));
            InstanceShell.Outcome outcome;
            try {
                outcome = shell.run(stepCommand(command), log, Duration.between(Instant.now(), deadline));
            } catch (IOException e) {
                return lost("during step " + (i + 1), e);
            }
            runner.ci()
                    .stepEnded(job.id(), i, outcome.exitCode(), Instant.now())
                    .await()
                    .atMost(Duration.ofSeconds(10));
            log.store();
            if (cancelled) {
                ending = cancelledNow();
            } else if (outcome.timedOut()) {
                ending = new Ending(
                        CiJob.FAILED,
                        "timeout: the steps ran past the job's "
                                + config.timeout().toSeconds() + " s (step " + (i + 1) + " was running)",
                        true,
                        null);
            } else if (outcome.exitCode() == null) {
                ending = Ending.error("device lost: the instance's connection closed during step " + (i + 1));
            } else if (outcome.exitCode() != 0) {
                ending =
                        new Ending(CiJob.FAILED, "step " + (i + 1) + " exited with " + outcome.exitCode(), false, null);
            }
        }
        JUnitResults results = shell.isOpen() && !cancelled && !config.results().isEmpty() ? results() : null;
        cleanUp();
        if (ending == null) {
            ending = new Ending(CiJob.PASSED, null, false, null);
        }
        return new Ending(ending.status(), ending.reason(), ending.timedOut(), results);
    }

    /** The result files the config names, parsed; what cannot be read or parsed is said in the log. */
    private JUnitResults results() {
        JUnitResults all = JUnitResults.NONE;
        // Each pattern is expanded unquoted by the instance's shell: CiConfigParser.RESULT_PATTERN lets through none
        // of the characters that would make it run something.
        for (String pattern : config.results()) {
            try {
                byte[] names = shell.read(
                        "cd " + quoted(workdir + "/repo") + " && for f in " + pattern
                                + "; do [ -f \"$f\" ] && printf '%s\\n' \"$f\"; done; true",
                        64 * 1024,
                        Duration.ofSeconds(30));
                if (names == null || names.length == 0) {
                    log.say("results: no file matches " + pattern);
                    continue;
                }
                for (String name : new String(names, StandardCharsets.UTF_8).split("\n")) {
                    byte[] xml = shell.read(
                            "cat -- " + quoted(workdir + "/repo/" + name), MAX_RESULT_BYTES, Duration.ofSeconds(30));
                    if (xml == null) {
                        log.say("results: could not read " + name);
                        continue;
                    }
                    try {
                        all = all.plus(JUnitResults.parse(name, xml));
                    } catch (JUnitResultsException e) {
                        log.say("results: " + e.getMessage());
                    }
                }
            } catch (IOException e) {
                log.say("results: could not be read: " + e.getMessage());
                break;
            }
        }
        log.say("results: " + all.tests() + " tests, " + all.failures() + " failures, " + all.errors() + " errors, "
                + all.skipped() + " skipped");
        return all;
    }

    private void cleanUp() {
        try {
            if (shell.isOpen()) {
                shell.run("rm -rf " + quoted(workdir), OutputStream.nullOutputStream(), Duration.ofSeconds(30));
            }
        } catch (IOException e) {
            Log.debugf("CI job %s: could not remove %s (%s); the instance ends anyway", job.id(), workdir, e);
        }
    }

    /** The step in the repository's root, with the job's environment, as {@code sh -e}; stderr joins stdout. */
    private String stepCommand(String step) {
        StringBuilder command = new StringBuilder("cd ")
                .append(quoted(workdir + "/repo"))
                .append(" && HOME=")
                .append(quoted(workdir))
                .append(" CI=true RIGFLEET_JOB_ID=")
                .append(job.id());
        for (Map.Entry<String, String> variable : config.env().entrySet()) {
            command.append(' ').append(variable.getKey()).append('=').append(quoted(variable.getValue()));
        }
        return command.append(" sh -e -c ")
                .append(quoted(step))
                .append(" < /dev/null 2>&1")
                .toString();
    }

    /** The READY instance as {@code GET /instance/:id} shows it, or how the job ends without one. */
    private record Waited(JsonObject instance, Ending ending) {
        static Waited ending(Ending ending) {
            return new Waited(null, ending);
        }
    }

    /** Polls the instance until READY: through the queue (404 until it is made), then INIT. */
    private Waited awaitReady(JobToken token, UUID instanceId) throws InterruptedException {
        // The reservation's own time-out ends the wait; this bound is for one that was never made.
        Instant queueDeadline = job.createdAt().plus(config.queueTimeout()).plusSeconds(30);
        Instant initDeadline = null;
        while (true) {
            if (cancelled) {
                return Waited.ending(cancelledNow());
            }
            JsonObject instance = runner.instances().instance(token, instanceId);
            String status = instance.getString("status");
            if ("READY".equals(status)) {
                return new Waited(instance, null);
            }
            if (status == null) {
                String reservation = runner.reservationState(instanceId);
                if (Reservation.EXPIRED.equals(reservation) || Instant.now().isAfter(queueDeadline)) {
                    return Waited.ending(Ending.error("queue time-out: no deployment became free within "
                            + config.queueTimeout().toSeconds() + " s"));
                }
            } else if ("INIT".equals(status)) {
                initDeadline = initDeadline == null ? Instant.now().plus(INIT) : initDeadline;
                if (Instant.now().isAfter(initDeadline)) {
                    return Waited.ending(Ending.error("the instance did not become READY within " + INIT));
                }
            } else {
                return Waited.ending(Ending.error("the instance ended " + status + " before the job ran: "
                        + instance.getString("status_reason", "no reason given")));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private Ending cancelledNow() {
        return new Ending(CiJob.CANCELLED, "cancelled by its owner", false, null);
    }

    private Ending lost(String when, IOException e) {
        return cancelled
                ? cancelledNow()
                : Ending.error("device lost: the instance's connection failed " + when + " (" + e.getMessage() + ")");
    }

    private void closeShell() {
        InstanceShell open = shell;
        if (open != null) {
            open.close();
        }
    }

    private Duration tokenLifetime() {
        return config.queueTimeout().plus(config.timeout()).plus(INIT).plus(EXPIRY_MARGIN);
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** A POSIX shell's single-quoted word. */
    static String quoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
