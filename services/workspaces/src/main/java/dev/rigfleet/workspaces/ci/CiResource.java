package dev.rigfleet.workspaces.ci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.AcceptsAnyContentType;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.workspaces.rest.Ids;
import dev.rigfleet.workspaces.rest.Requesters;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.resteasy.reactive.ResponseHeader;

/**
 * CI on real hardware (docs/ci.md): {@code POST /ci/new} in its two forms, projects, jobs, their logs (plain, or as
 * server-sent events) and results, cancelling. Every job route is the job owner's alone: another user's job is as
 * unknown as one that does not exist.
 */
@Path("/ci")
@RerobotsRoutes
@RolesAllowed(Caller.USER_SCOPE)
public class CiResource {

    /** What the spec form adds to the project form; any of them makes a body the spec form. */
    private static final Set<String> SPEC_KEYS = Set.of("ns", "repo_type", "repo_branch", "repo_commit");

    private static final Set<String> PROJECT_FORM = Set.of("repo_url", "eurl");
    private static final Set<String> SPEC_FORM = union(SPEC_KEYS, PROJECT_FORM);
    private static final Set<String> JOB_FORM = Set.of("branch", "commit");

    /** The most of a log one {@code GET /ci/job/:id/log} answers; follow with {@code offset}. */
    private static final int LOG_PAGE = 1024 * 1024;

    private final CiJobs jobs;
    private final CiRepository ci;
    private final CiLogStream logStream;
    private final Requesters requesters;
    private final ObjectMapper json;

    public CiResource(CiJobs jobs, CiRepository ci, CiLogStream logStream, Requesters requesters, ObjectMapper json) {
        this.jobs = jobs;
        this.ci = ci;
        this.logStream = logStream;
        this.requesters = requesters;
        this.json = json;
    }

    @POST
    @Path("/new")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> create(String body) {
        JsonNode ask = object(body);
        boolean specForm = SPEC_KEYS.stream().anyMatch(ask::has);
        known(ask, specForm ? SPEC_FORM : PROJECT_FORM);
        String repoUrl = text(ask, "repo_url", true, 2000);
        String eurl = text(ask, "eurl", false, 2000);
        if (!specForm) {
            return requesters
                    .required()
                    .chain(owner -> jobs.newProject(owner, repoUrl, eurl))
                    .map(project -> Map.of("success", true, "pid", project.id().toString()));
        }
        String ns = text(ask, "ns", true, 200);
        String repoType = text(ask, "repo_type", true, 16);
        if (!"git".equals(repoType)) {
            throw ApiException.badRequest("repo_type must be git");
        }
        String branch = text(ask, "repo_branch", false, 255);
        String commit = text(ask, "repo_commit", false, 64);
        if ((branch == null) == (commit == null)) {
            throw ApiException.badRequest("give one of repo_branch and repo_commit");
        }
        return requesters
                .required()
                .chain(owner -> jobs.newSpecJob(owner, ns, repoUrl, branch, commit, eurl))
                .map(job -> Map.of(
                        "success", true,
                        "pid", job.projectId().toString(),
                        "id", job.id().toString()));
    }

    /** Exactly the reference's shape: {@code {<pid>: {repo_url, created}}}, every project of the caller. */
    @GET
    @Path("/projects")
    public Uni<Map<String, Object>> projects() {
        return requesters.required().chain(owner -> ci.projectsOf(owner.id())).map(projects -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            for (CiProject project : projects) {
                answer.put(
                        project.id().toString(),
                        Map.of(
                                "repo_url", project.repoUrl(),
                                "created", project.createdAt().toString()));
            }
            return answer;
        });
    }

    /**
     * The public key the caller's jobs sign in to ssh:// repositories with (the caller's git SSH key, the one their
     * devices' agents get too): add it to the repository as a read-only deploy key.
     */
    @GET
    @Path("/ssh-key")
    public Uni<Map<String, Object>> sshKey() {
        return requesters.required().chain(jobs::sshPublicKey).map(publicKey -> Map.of("public_key", publicKey));
    }

    /** rerobots/py sends both keys always; {@code commit: null} is the head of {@code branch}. */
    @POST
    @Path("/project/{pid}/job")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> newJob(@PathParam("pid") String pid, String body) {
        UUID projectId = Ids.canonical(pid, "no CI project of yours has id " + pid);
        JsonNode ask = object(body);
        known(ask, JOB_FORM);
        if (!ask.has("branch") || !ask.has("commit")) {
            throw ApiException.badRequest(
                    "request is missing required parameters: branch and commit (commit may be" + " null)");
        }
        String branch = text(ask, "branch", true, 255);
        String commit = text(ask, "commit", false, 64);
        return requesters
                .required()
                .chain(owner -> jobs.newJob(owner, projectId, branch, commit))
                .map(job -> Map.of("jid", job.id().toString()));
    }

    @GET
    @Path("/jobs")
    public Uni<Map<String, Object>> list(
            @QueryParam("ns") String ns,
            @QueryParam("max_per_page") String maxPerPage,
            @QueryParam("page") String page) {
        PageRequest paging = PageRequest.of(maxPerPage, page);
        return requesters
                .required()
                .chain(owner -> ci.jobsOf(owner.id(), ns))
                .map(paging::slice)
                .map(served -> Map.of(
                        "jobs",
                        served.items().stream().map(CiViews::summary).toList(),
                        "page_count",
                        served.pageCount()));
    }

    @GET
    @Path("/job/{id}")
    public Uni<Map<String, Object>> job(@PathParam("id") String id) {
        UUID jobId = jobId(id);
        return requesters
                .required()
                .chain(owner -> jobs.ownJob(owner, jobId))
                .chain(job -> ci.steps(job.id()).map(steps -> CiViews.detail(job, steps)));
    }

    /**
     * The log as text from byte {@code offset} (0), at most 1 MiB a call. {@code X-Log-Next-Offset} says where to go
     * on, and {@code X-Job-Status} whether more can come (queued, running) or not.
     */
    @GET
    @Path("/job/{id}/log")
    @Produces(MediaType.TEXT_PLAIN)
    public Uni<Response> log(@PathParam("id") String id, @QueryParam("offset") String offset) {
        UUID jobId = jobId(id);
        long from = offset(offset);
        return requesters
                .required()
                .chain(owner -> jobs.ownJob(owner, jobId))
                .chain(job -> ci.log(jobId, from, LOG_PAGE)
                        .map(bytes -> Response.ok(bytes, MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8"))
                                .header("X-Log-Next-Offset", from + bytes.length)
                                .header("X-Job-Status", job.status())
                                .build()));
    }

    /**
     * The same log as server-sent events: one {@code line} event per line as it is written (its id the byte offset
     * after it, so {@code Last-Event-ID} resumes there), then one {@code end} event with the job's outcome.
     */
    @GET
    @Path("/job/{id}/log")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    // Any nginx in front (the entry point, an ingress controller) passes each event on at once.
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    @Blocking
    public Multi<OutboundSseEvent> logEvents(
            @PathParam("id") String id,
            @QueryParam("offset") String offset,
            @HeaderParam("Last-Event-ID") String lastEventId,
            @Context Sse sse) {
        UUID jobId = jobId(id);
        long from = lastEventId != null ? offset(lastEventId) : offset(offset);
        // The job is checked before the stream begins (hence on a worker thread, waiting for the answer): another
        // user's job is a 404, not a 200 whose stream breaks.
        requesters.required().chain(owner -> jobs.ownJob(owner, jobId)).await().atMost(Duration.ofSeconds(10));
        return logStream.follow(jobId, from, sse);
    }

    /** The parsed JUnit results: counts and each failing case; all zero when the job named no result files. */
    @GET
    @Path("/job/{id}/results")
    public Uni<Map<String, Object>> results(@PathParam("id") String id) {
        UUID jobId = jobId(id);
        return requesters.required().chain(owner -> jobs.ownJob(owner, jobId)).map(CiViews::results);
    }

    @POST
    @Path("/job/{id}/cancel")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> cancel(@PathParam("id") String id) {
        UUID jobId = jobId(id);
        return requesters
                .required()
                .chain(owner -> jobs.cancel(owner, jobId))
                .map(job -> Map.of(
                        "id", job.id().toString(),
                        "status", job.status(),
                        "cancel_asked", job.cancelAsked()));
    }

    private JsonNode object(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("a JSON object is required");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object");
        }
        return node;
    }

    private static void known(JsonNode ask, Set<String> allowed) {
        for (Iterator<String> names = ask.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown key `" + name + "`; this form takes " + List.copyOf(allowed));
            }
        }
    }

    /** A string value, or null when absent (or JSON null and not required); 400 for any other type or size. */
    private static String text(JsonNode ask, String key, boolean required, int maxLength) {
        JsonNode value = ask.get(key);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.badRequest("request is missing required parameter: " + key);
            }
            return null;
        }
        if (!value.isTextual() || value.textValue().isBlank()) {
            throw ApiException.badRequest(key + " must be a non-empty string");
        }
        String text = value.textValue();
        if (text.length() > maxLength || text.chars().anyMatch(c -> c < 0x20)) {
            throw ApiException.badRequest(
                    key + " must be at most " + maxLength + " characters, with no control characters");
        }
        return text;
    }

    private static UUID jobId(String raw) {
        return Ids.canonical(raw, "no CI job of yours has id " + raw);
    }

    private static long offset(String raw) {
        if (raw == null || raw.isEmpty()) {
            return 0;
        }
        try {
            long offset = Long.parseLong(raw);
            if (offset >= 0) {
                return offset;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw ApiException.badRequest("offset must be a whole number of bytes, 0 or more");
    }

    private static Set<String> union(Set<String> one, Set<String> other) {
        Set<String> both = new java.util.TreeSet<>(one);
        both.addAll(other);
        return java.util.Collections.unmodifiableSet(both);
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
