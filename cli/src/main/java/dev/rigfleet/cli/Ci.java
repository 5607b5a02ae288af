package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** CI jobs on real hardware (docs/ci.md). */
@Command(
        name = "ci",
        mixinStandardHelpOptions = true,
        description = "CI jobs on real hardware: run one and follow it, list them, read a log, cancel.",
        subcommands = {Ci.Run.class, Ci.Jobs.class, Ci.Log.class, Ci.Cancel.class})
final class Ci {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = {
                "Starts a job (POST /ci/new), streams its log, prints its test results, and exits 0 only when it"
                        + " passed: the one line a pipeline needs."
            })
    static final class Run extends ApiCommand {

        @Option(
                names = "--repo",
                required = true,
                paramLabel = "URL",
                description = "The repository (https://, git://, ssh://).")
        String repo;

        @ArgGroup(multiplicity = "1")
        Revision revision;

        static final class Revision {
            @Option(names = "--branch", required = true, description = "The head of this branch.")
            String branch;

            @Option(names = "--commit", required = true, description = "This commit (7 to 40 hex digits).")
            String commit;
        }

        @Option(
                names = "--ns",
                description = "The namespace of the project (default: default).",
                defaultValue = "default")
        String namespace;

        @Override
        int run(Api api) throws Exception {
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("ns", namespace);
            job.put("repo_type", "git");
            job.put("repo_url", repo);
            if (revision.branch != null) {
                job.put("repo_branch", revision.branch);
            } else {
                job.put("repo_commit", revision.commit);
            }
            String id = api.post("/ci/new", job).path("id").asText();
            err().println("Job " + id + " (rigfleet ci log " + id + ")");
            err().flush();
            JsonNode end = follow(api, id, this);
            JsonNode results = api.get("/ci/job/" + id + "/results");
            if (json) {
                print(api.get("/ci/job/" + id), null);
            } else {
                out().printf(
                                "%s%s: %d tests, %d failures, %d errors, %d skipped%n",
                                end.path("status").asText(),
                                end.path("reason").isTextual()
                                        ? " (" + end.path("reason").asText() + ")"
                                        : "",
                                results.path("tests").asInt(),
                                results.path("failures").asInt(),
                                results.path("errors").asInt(),
                                results.path("skipped").asInt());
                for (JsonNode failed : results.path("failed")) {
                    out().printf(
                                    "  %s %s.%s: %s%n",
                                    failed.path("kind").asText(),
                                    failed.path("classname").asText(),
                                    failed.path("name").asText(),
                                    failed.path("message").asText(""));
                }
                out().flush();
            }
            return "passed".equals(end.path("status").asText()) ? 0 : Rigfleet.REFUSED;
        }
    }

    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "Your jobs, newest first.")
    static final class Jobs extends ApiCommand {

        @Option(names = "--ns", description = "Only the jobs of this namespace's projects.")
        String namespace;

        @Override
        int run(Api api) throws Exception {
            JsonNode answer = api.get("/ci/jobs" + (namespace == null ? "" : "?ns=" + Paths.segment(namespace)));
            Table table = new Table("ID", "STATUS", "BRANCH", "REVISION", "CREATED", "REASON");
            for (JsonNode job : answer.path("jobs")) {
                table.row(
                        text(job, "id"),
                        text(job, "status"),
                        text(job, "branch"),
                        text(job, "revision"),
                        text(job, "created"),
                        text(job, "reason"));
            }
            return print(answer, table);
        }
    }

    @Command(
            name = "log",
            mixinStandardHelpOptions = true,
            description = "A job's log; --follow streams it to its end.")
    static final class Log extends ApiCommand {

        @Parameters(paramLabel = "JOB", description = "The job's id.")
        String job;

        @Option(
                names = {"-f", "--follow"},
                description = "Keep printing as the log is written, until the job ends.")
        boolean follow;

        @Override
        int run(Api api) throws Exception {
            if (follow) {
                JsonNode end = Ci.follow(api, job, this);
                return "passed".equals(end.path("status").asText()) ? 0 : Rigfleet.REFUSED;
            }
            out().print(api.raw("/ci/job/" + Paths.segment(job) + "/log", "GET", null)
                    .body());
            out().flush();
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a job, queued or running.")
    static final class Cancel extends ApiCommand {

        @Parameters(paramLabel = "JOB", description = "The job's id.")
        String job;

        @Override
        int run(Api api) throws Exception {
            JsonNode answer = api.post("/ci/job/" + Paths.segment(job) + "/cancel", null);
            return print(
                    answer,
                    new Table("ID", "STATUS", "CANCEL ASKED")
                            .row(text(answer, "id"), text(answer, "status"), text(answer, "cancel_asked")));
        }
    }

    /**
     * Prints the job's log lines as the platform sends them (server-sent events) and answers its {@code end}
     * event's data: {@code {"status", "reason"}}.
     */
    static JsonNode follow(Api api, String job, ApiCommand command) throws Exception {
        AtomicReference<String> event = new AtomicReference<>("message");
        AtomicReference<String> end = new AtomicReference<>();
        api.events("/ci/job/" + Paths.segment(job) + "/log", line -> {
            if (line.startsWith("event:")) {
                event.set(line.substring(6).strip());
            } else if (line.startsWith("data:")) {
                String data = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
                if ("end".equals(event.get())) {
                    end.set(data);
                } else if (!command.json) {
                    command.out().println(data);
                    command.out().flush();
                }
            } else if (line.isEmpty()) {
                event.set("message");
            }
        });
        if (end.get() == null) {
            throw new Api.Unreachable("the log of job " + job + " ended before the job did");
        }
        return JSON.readTree(end.get());
    }
}
