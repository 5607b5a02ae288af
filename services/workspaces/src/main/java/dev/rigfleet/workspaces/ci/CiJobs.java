package dev.rigfleet.workspaces.ci;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.client.RegistryGitKeys;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.repository.EurlDeliveryRepository;
import dev.rigfleet.workspaces.service.EventUrls;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * CI projects and jobs as their owners see them: made (the repository read first, so that the job knows its commit
 * and its .rigfleet.yml before it waits for hardware), listed, shown, cancelled, and ended with their callback.
 */
@ApplicationScoped
public class CiJobs {

    private static final Set<String> SCHEMES = Set.of("https", "git", "ssh");
    /** {@code git@host:owner/repo.git}: no URL, though git takes it for ssh. */
    private static final Pattern SCP_LIKE = Pattern.compile("[^/@:]+@[^/@:]+:(?!//).*");

    private final CiRepository ci;
    private final CiSettings settings;
    private final EventUrls eventUrls;
    private final EurlDeliveryRepository deliveries;
    private final RegistryGitKeys gitKeys;
    private final Vertx vertx;

    public CiJobs(
            CiRepository ci,
            CiSettings settings,
            EventUrls eventUrls,
            EurlDeliveryRepository deliveries,
            RegistryGitKeys gitKeys,
            Vertx vertx) {
        this.ci = ci;
        this.settings = settings;
        this.eventUrls = eventUrls;
        this.deliveries = deliveries;
        this.gitKeys = gitKeys;
        this.vertx = vertx;
    }

    /** The project form of {@code POST /ci/new}: a new project, nothing run yet. */
    public Uni<CiProject> newProject(Requester owner, String repoUrl, String eurl) {
        checkUrl(repoUrl);
        return checked(eurl)
                .chain(() -> ci.insertProject(
                        new CiProject(UUID.randomUUID(), owner.id(), null, repoUrl, eurl, Instant.now(), null)));
    }

    /** The spec form: the namespace's project for this URL (made if needed) and a job of it. */
    public Uni<CiJob> newSpecJob(
            Requester owner, String ns, String repoUrl, String branch, String commit, String eurl) {
        checkUrl(repoUrl);
        checkRefs(branch, commit);
        // The repository is read before anything is stored: a refused request leaves no project behind.
        return checked(eurl)
                .chain(() -> ci.findProjectOfNamespace(owner.id(), ns, repoUrl))
                .chain(known -> read(owner.id(), repoUrl, branch, commit, known == null ? null : known.sshHostKey()))
                .chain(read -> ci.pool()
                        .withTransaction(tx -> ci.projectOfNamespace(tx, owner.id(), ns, repoUrl, Instant.now())
                                .chain(project -> store(tx, project, branch, commit, eurl, read))));
    }

    /** {@code POST /ci/project/:pid/job}: a job of the owner's project. */
    public Uni<CiJob> newJob(Requester owner, UUID projectId, String branch, String commit) {
        checkRefs(branch, commit);
        return ownProject(owner, projectId).chain(project -> {
            checkUrl(project.repoUrl());
            return read(owner.id(), project.repoUrl(), branch, commit, project.sshHostKey())
                    .chain(read -> ci.pool().withTransaction(tx -> store(tx, project, branch, commit, null, read)));
        });
    }

    /** The public half of the key the owner's jobs sign in to ssh:// repositories with, to add as a deploy key. */
    public Uni<String> sshPublicKey(Requester owner) {
        return gitKeys.of(owner.id()).map(RegistryGitKeys.Pair::publicKey);
    }

    public Uni<CiProject> ownProject(Requester owner, UUID projectId) {
        return ci.project(projectId).map(project -> {
            if (project == null || !project.ownerId().equals(owner.id())) {
                throw ApiException.notFound("no CI project of yours has id " + projectId);
            }
            return project;
        });
    }

    /** The job, if it is the owner's; 404 otherwise, as for a job that does not exist. */
    public Uni<CiJob> ownJob(Requester owner, UUID jobId) {
        return ci.job(jobId).map(job -> {
            if (job == null || !job.ownerId().equals(owner.id())) {
                throw notFound(jobId);
            }
            return job;
        });
    }

    /** Asks the job to stop: at once when no runner holds it, else by its runner within a moment. */
    public Uni<CiJob> cancel(Requester owner, UUID jobId) {
        return ci.askCancel(jobId, owner.id()).chain(job -> {
            if (job == null) {
                throw notFound(jobId);
            }
            return Uni.createFrom().item(job);
        });
    }

    /**
     * Ends the job with its outcome and owes its callback in the same transaction: the callback is never sent
     * before what it announces is stored. Null when the job had ended already.
     */
    public Uni<CiJob> end(
            SqlClient tx, CiJob job, String status, String reason, boolean timedOut, Map<String, Object> results) {
        Instant now = Instant.now();
        return ci.end(tx, job.id(), status, reason, timedOut, results, now).call(ended -> {
            if (ended == null) {
                return Uni.createFrom().voidItem();
            }
            Log.infof("CI job %s ended %s%s", job.id(), status, reason == null ? "" : ": " + reason);
            return callbackUrl(ended)
                    .chain(url -> url == null
                            ? Uni.createFrom().voidItem()
                            : deliveries.owe(tx, ended.ownerId(), url, callback(ended), now));
        });
    }

    public Uni<CiJob> end(CiJob job, String status, String reason, boolean timedOut, Map<String, Object> results) {
        return ci.pool().withTransaction(tx -> end(tx, job, status, reason, timedOut, results));
    }

    private Uni<String> callbackUrl(CiJob job) {
        if (job.eurl() != null) {
            return Uni.createFrom().item(job.eurl());
        }
        return ci.project(job.projectId()).map(project -> project == null ? null : project.eurl());
    }

    /** The callback's body: which job, how it ended, and where to read more. */
    private static Map<String, Object> callback(CiJob job) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", "ci job");
        body.put("id", job.id().toString());
        body.put("pid", job.projectId().toString());
        body.put("status", job.status());
        body.put("reason", job.reason());
        body.put("timeout", job.timedOut());
        body.put("revision", job.revision());
        return body;
    }

    /** The job, queued, or ended at once as an error when its repository gives it nothing to run. */
    private Uni<CiJob> store(SqlClient tx, CiProject project, String branch, String commit, String eurl, Read read) {
        Instant now = Instant.now();
        boolean usable = read.config() != null;
        CiJob job = new CiJob(
                UUID.randomUUID(),
                project.id(),
                project.ownerId(),
                branch,
                commit,
                read.revision(),
                usable ? CiJob.QUEUED : CiJob.ERROR,
                usable ? null : read.problem(),
                false,
                false,
                eurl,
                usable ? read.config().toMap() : null,
                null,
                null,
                0,
                false,
                null,
                now,
                null,
                usable ? null : now);
        List<String> steps = usable ? read.config().steps() : List.of();
        return rememberHostKey(tx, project, read)
                .chain(() -> ci.insertJob(tx, job, steps))
                .call(stored -> {
                    if (usable) {
                        return Uni.createFrom().voidItem();
                    }
                    // A job that cannot run ends at once, and says why, as one that ran would.
                    return callbackUrl(stored)
                            .chain(url -> url == null
                                    ? Uni.createFrom().voidItem()
                                    : deliveries.owe(tx, stored.ownerId(), url, callback(stored), now));
                });
    }

    /**
     * An ssh:// server's host key is the project's from its first read on (trust on first use, as OpenSSH does): a
     * job whose read met another key, stored first by a job read at the same time, is refused.
     */
    private Uni<Void> rememberHostKey(SqlClient tx, CiProject project, Read read) {
        if (read.hostKey() == null) {
            return Uni.createFrom().voidItem();
        }
        return ci.rememberHostKey(tx, project.id(), read.hostKey()).map(kept -> {
            if (!kept.equals(read.hostKey())) {
                throw ApiException.badRequest("the ssh server of " + project.repoUrl() + " offered host key "
                        + read.hostKey() + ", not the project's " + kept
                        + "; if the server's key really changed, make a new project for it");
            }
            return null;
        });
    }

    /** An ssh:// repository is read with the owner's git SSH key, from a server with the project's host key. */
    private Uni<Read> read(UUID owner, String url, String branch, String commit, String knownHostKey) {
        if (!isSsh(url)) {
            return vertx.executeBlocking(() -> readBlocking(url, branch, commit, null));
        }
        return gitKeys.of(owner)
                .chain(key -> vertx.executeBlocking(() -> readBlocking(
                        url, branch, commit, new RepositoryReader.SshAccess(key.keyPair(), knownHostKey))));
    }

    static boolean isSsh(String url) {
        return url.regionMatches(true, 0, "ssh://", 0, "ssh://".length());
    }

    /**
     * What the repository says at the asked-for revision: its config, or why there is none to run; and an ssh://
     * server's host key.
     */
    private record Read(String revision, CiConfig config, String problem, String hostKey) {}

    private Read readBlocking(String url, String branch, String commit, RepositoryReader.SshAccess ssh) {
        RepositoryReader.Snapshot snapshot;
        try {
            snapshot = RepositoryReader.read(url, branch, commit, settings.fetchTimeout(), ssh);
        } catch (RepositoryException e) {
            if (e.kind() == RepositoryException.Kind.KEY_REFUSED) {
                throw ApiException.badRequest(
                        e.getMessage() + "; add the key of GET /ci/ssh-key to the repository as a deploy key");
            }
            throw ApiException.badRequest(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (snapshot.config().isEmpty()) {
            return new Read(
                    snapshot.revision(),
                    null,
                    RepositoryReader.CONFIG_FILE + " is missing at the root of the repository at " + snapshot.revision()
                            + " (docs/ci.md says what it holds)",
                    snapshot.hostKey());
        }
        try {
            return new Read(
                    snapshot.revision(),
                    CiConfigParser.parse(snapshot.config().get(), settings.maxTimeout()),
                    null,
                    snapshot.hostKey());
        } catch (CiConfigException e) {
            return new Read(snapshot.revision(), null, e.getMessage(), snapshot.hostKey());
        }
    }

    private Uni<Void> checked(String eurl) {
        return eurl == null ? Uni.createFrom().voidItem() : eventUrls.check(eurl);
    }

    /** An https, git or ssh URL (file too where the platform allows it), as a clone in the instance takes it. */
    private void checkUrl(String repoUrl) {
        if (SCP_LIKE.matcher(repoUrl).matches()) {
            throw ApiException.badRequest(
                    "repo_url must be a URL: write " + repoUrl + " as ssh://" + repoUrl.replaceFirst(":", "/"));
        }
        URI uri;
        try {
            uri = new URI(repoUrl);
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("repo_url is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if ("file".equals(scheme)) {
            if (!settings.allowFileUrls()) {
                throw ApiException.badRequest("file:// repositories are not accepted here; use https, git or ssh");
            }
            return;
        }
        if (!SCHEMES.contains(scheme) || uri.getHost() == null) {
            throw ApiException.badRequest("repo_url must be an https://, git:// or ssh:// URL with a host");
        }
        if ("ssh".equals(scheme)) {
            if (uri.getUserInfo() == null || uri.getUserInfo().isEmpty()) {
                throw ApiException.badRequest("an ssh:// repo_url names its user, as in ssh://git@host/owner/repo.git");
            }
            if (uri.getUserInfo().contains(":")) {
                throw ApiException.badRequest(
                        "an ssh:// repo_url holds no password: jobs sign in with your git SSH key (GET /ci/ssh-key)");
            }
        }
    }

    private static void checkRefs(String branch, String commit) {
        if (branch == null && commit == null) {
            throw ApiException.badRequest("a branch or a commit is required");
        }
        if (branch != null && !org.eclipse.jgit.lib.Repository.isValidRefName("refs/heads/" + branch)) {
            throw ApiException.badRequest("branch \"" + branch + "\" is not a valid branch name");
        }
        if (commit != null && !commit.matches("[0-9a-fA-F]{7,40}")) {
            throw ApiException.badRequest("commit must be 7 to 40 hexadecimal digits");
        }
    }

    private static ApiException notFound(UUID jobId) {
        return ApiException.notFound("no CI job of yours has id " + jobId);
    }
}
