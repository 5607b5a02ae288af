package dev.rigfleet.bench;

import dev.rigfleet.common.testing.GitServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Benchmark 11, CI job latency: how long a pipeline waits for a job on real hardware (docs/ci.md). The repository
 * is served by the real {@code git daemon} on loopback ({@link GitServer}); its {@code .rigfleet.yml} asks for the
 * demo workspace type with one step, {@code echo rigfleet-bench-first-line}. Through the entry proxy, with the demo
 * admin's token, each job is submitted with {@code POST /ci/new} in the spec form ({@code ns} bench, branch main),
 * and the moment it answers its log is followed with {@code GET /ci/job/:id/log} and {@code Accept:
 * text/event-stream}, as a pipeline's {@code curl -N} follows it. Three times, all from just before the {@code
 * POST}: its answer (the repository read), the job's own first line of output on the stream (not the runner's
 * {@code [rigfleet] } lines), and the stream's {@code end} event; then {@code GET /ci/job/:id} must say {@code
 * passed}, and the job's own timestamps split the wait (submitted to running: the runner's claim and the instance
 * to READY; running to its step: the login and the clone; the step; the step's end to the job's: the clean-up and
 * the terminate). Before the next job the deployment must be free ({@code GET /queuelen/<id>} answers 0), which is
 * timed from the {@code end} event. One job at a time, {@code --runs} (10) after {@code --warmup-runs} (1); medians
 * and p99 by nearest rank (of 10 jobs, the slowest).
 *
 * <p>Usage: {@code CiJobLatency [--runs 10] [--warmup-runs 1] [--api http://127.0.0.1:8080] [--token-file F]
 * [--deployment-file F] [--results DIR]}; expects a running platform ({@code make run}) whose demo device runs
 * instances as local processes (they need {@code git}), with the demo agent online and its deployment free.
 */
public final class CiJobLatency {

    /** The step's output, the line timed on the log's stream. */
    private static final String FIRST_LINE = "rigfleet-bench-first-line";

    /** The repository's {@code .rigfleet.yml}: the demo workspace type, one step. */
    private static final String CONFIG = "workspace: demo_device\ntimeout: 2m\nsteps:\n  - echo " + FIRST_LINE + "\n";
    /** How long one job may take from its submission to its end before the driver gives up on it. */
    private static final Duration JOB_GIVE_UP = Duration.ofMinutes(3);

    /** How often {@code GET /queuelen/<id>} is asked while the deployment is still held. */
    private static final long POLL_MS = 50;

    /**
     * One job's times in ms: from just before {@code POST /ci/new} its answer, the first line, the end event; from
     * the job's record its phases; {@code free} from the end event.
     */
    record Run(
            double answered,
            double firstLine,
            double ended,
            double queued,
            double cloned,
            double step,
            double finished,
            double free) {}

    /** The log's stream followed to its end: when the first line came and the end came (ms), and every line. */
    private record Followed(double firstLine, double ended, JsonObject end, List<String> lines) {}

    private CiJobLatency() {}

    public static void main(String[] args) throws Exception {
        int runs = Args.integer(args, "--runs", 10);
        int warmups = Args.integer(args, "--warmup-runs", 1);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String api = Args.string(args, "--api", "http://127.0.0.1:8080");
        String token = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        String deployment = Files.readString(Path.of(Args.string(args, "--deployment-file", ".run/deployment-id")))
                .trim();

        List<Run> measured = new ArrayList<>();
        ExecutorService reader = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "ci-log-stream");
            thread.setDaemon(true);
            return thread;
        });
        try (GitServer git = GitServer.start()) {
            GitServer.Repo repo = git.repository("bench");
            repo.commit("main", Map.of(".rigfleet.yml", CONFIG), "One step for the CI benchmark");
            InstanceStartup.awaitFree(api, deployment, POLL_MS);
            for (int i = 0; i < warmups + runs; i++) {
                Run run = once(api, token, deployment, repo.url(), reader);
                boolean warmup = i < warmups;
                if (!warmup) {
                    measured.add(run);
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s %d: POST /ci/new answered %.0f ms, first line %.0f ms, end %.0f ms; the job's record:"
                                + " queued %.0f, login and clone %.0f, step %.0f, clean-up and terminate %.0f;"
                                + " deployment free %.0f ms after the end%n",
                        warmup ? "warm-up" : "run",
                        warmup ? i + 1 : i - warmups + 1,
                        run.answered(),
                        run.firstLine(),
                        run.ended(),
                        run.queued(),
                        run.cloned(),
                        run.step(),
                        run.finished(),
                        run.free());
            }
        } finally {
            reader.shutdownNow();
        }

        double[] answered = measured.stream().mapToDouble(Run::answered).toArray();
        double[] firstLine = measured.stream().mapToDouble(Run::firstLine).toArray();
        double[] ended = measured.stream().mapToDouble(Run::ended).toArray();
        double[] queued = measured.stream().mapToDouble(Run::queued).toArray();
        double[] cloned = measured.stream().mapToDouble(Run::cloned).toArray();
        double[] step = measured.stream().mapToDouble(Run::step).toArray();
        double[] finished = measured.stream().mapToDouble(Run::finished).toArray();
        double[] free = measured.stream().mapToDouble(Run::free).toArray();
        new Table(String.format(
                        Locale.ROOT,
                        "CI job latency: %d jobs of one step on the demo device (after %d warm-up), one at a time, ms",
                        runs,
                        warmups))
                .row("POST /ci/new answered (the repository read)", InstanceStartup.summary(answered))
                .row("the job's first line on the log's stream", InstanceStartup.summary(firstLine))
                .row("the stream's end event", InstanceStartup.summary(ended))
                .row("  job record: submitted to running (claim, READY)", InstanceStartup.summary(queued))
                .row("  job record: running to its step (login, clone)", InstanceStartup.summary(cloned))
                .row("  job record: the step", InstanceStartup.summary(step))
                .row("  job record: the step's end to the job's", InstanceStartup.summary(finished))
                .row("end event to deployment free", InstanceStartup.summary(free))
                .print();
        // No goal is set: the figures say what a pipeline waits for.
        List<Goal> goals = List.of(
                Goal.measured("the stream's end event, median", AgentFootprint.median(ended), "ms"),
                Goal.measured("the stream's end event, p99", InstanceStartup.percentile(ended, 99), "ms"),
                Goal.measured("the job's first line, median", AgentFootprint.median(firstLine), "ms"),
                Goal.measured("POST /ci/new answered, median", AgentFootprint.median(answered), "ms"));
        Goal.print("CI job latency (no goal set)", goals);

        Files.createDirectories(results);
        Path out = results.resolve("ci-job-latency-" + Instant.now().toString().replace(':', '-') + ".json");
        StringBuilder each = new StringBuilder();
        for (Run run : measured) {
            each.append(each.isEmpty() ? "" : ",")
                    .append(String.format(
                            Locale.ROOT,
                            "{\"answered_ms\":%.1f,\"first_line_ms\":%.1f,\"ended_ms\":%.1f,\"queued_ms\":%.1f,"
                                    + "\"cloned_ms\":%.1f,\"step_ms\":%.1f,\"finished_ms\":%.1f,\"free_ms\":%.1f}",
                            run.answered(),
                            run.firstLine(),
                            run.ended(),
                            run.queued(),
                            run.cloned(),
                            run.step(),
                            run.finished(),
                            run.free()));
        }
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"ci-job-latency\",\"runs\":%d,\"warmup_runs\":%d,\"answered\":%s,"
                                + "\"first_line\":%s,\"ended\":%s,\"queued\":%s,\"cloned\":%s,\"step\":%s,"
                                + "\"finished\":%s,\"free\":%s,\"each\":[%s],\"goals\":%s}%n",
                        runs,
                        warmups,
                        InstanceStartup.json(answered),
                        InstanceStartup.json(firstLine),
                        InstanceStartup.json(ended),
                        InstanceStartup.json(queued),
                        InstanceStartup.json(cloned),
                        InstanceStartup.json(step),
                        InstanceStartup.json(finished),
                        InstanceStartup.json(free),
                        each,
                        Goal.json(goals).encode()));
        System.out.println("results: " + out);
    }

    private static Run once(String api, String token, String deployment, String repoUrl, ExecutorService reader)
            throws Exception {
        long began = System.nanoTime();
        String id = submit(api, token, repoUrl);
        double answered = InstanceStartup.ms(began);
        Future<Followed> following = reader.submit(() -> follow(api, token, id, began));
        Followed followed;
        try {
            followed = following.get(JOB_GIVE_UP.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            following.cancel(true);
            throw new IllegalStateException("job " + id + " did not end within " + JOB_GIVE_UP.toSeconds() + " s: "
                    + InstanceStartup.get(api + "/ci/job/" + id, token));
        }
        long endedAt = System.nanoTime();
        JsonObject job = new JsonObject(InstanceStartup.get(api + "/ci/job/" + id, token));
        if (!"passed".equals(job.getString("status")) || followed.firstLine() < 0) {
            throw new IllegalStateException("job " + id + " ended " + job.getString("status")
                    + (followed.firstLine() < 0 ? " without the line " + FIRST_LINE : "") + " (its end event: "
                    + followed.end().encode() + "): " + job.encodePrettily() + "\nits log:\n"
                    + String.join("\n", followed.lines()));
        }
        InstanceStartup.awaitFree(api, deployment, POLL_MS);
        double free = InstanceStartup.ms(endedAt);
        JsonArray steps = job.getJsonArray("steps");
        JsonObject first = steps.getJsonObject(0);
        return new Run(
                answered,
                followed.firstLine(),
                followed.ended(),
                between(job.getString("created"), job.getString("started")),
                between(job.getString("started"), first.getString("started")),
                between(first.getString("started"), first.getString("ended")),
                between(steps.getJsonObject(steps.size() - 1).getString("ended"), job.getString("ended")),
                free);
    }

    /** {@code POST /ci/new} in the spec form: the job's id. */
    private static String submit(String api, String token, String repoUrl) throws Exception {
        JsonObject body = new JsonObject()
                .put("ns", "bench")
                .put("repo_type", "git")
                .put("repo_branch", "main")
                .put("repo_url", repoUrl);
        HttpResponse<String> made = InstanceStartup.HTTP.send(
                HttpRequest.newBuilder(URI.create(api + "/ci/new"))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonObject answer = made.statusCode() == 200 ? new JsonObject(made.body()) : new JsonObject();
        if (!answer.getBoolean("success", false) || answer.getString("id") == null) {
            throw new IllegalStateException("POST /ci/new answered " + made.statusCode() + ": " + made.body());
        }
        return answer.getString("id");
    }

    /**
     * {@code GET /ci/job/:id/log} as server-sent events, read to the {@code end} event: an event is its {@code
     * event:} and {@code data:} lines up to a blank line; the first {@code line} event that is the job's own {@link
     * #FIRST_LINE} is timed when it is complete.
     */
    private static Followed follow(String api, String token, String id, long began) throws Exception {
        HttpResponse<Stream<String>> answer = InstanceStartup.HTTP.send(
                HttpRequest.newBuilder(URI.create(api + "/ci/job/" + id + "/log"))
                        .header("Authorization", "Bearer " + token)
                        .header("Accept", "text/event-stream")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        List<String> lines = new ArrayList<>();
        try (Stream<String> body = answer.body()) {
            Iterator<String> stream = body.iterator();
            if (answer.statusCode() != 200) {
                stream.forEachRemaining(lines::add);
                throw new IllegalStateException(
                        "GET /ci/job/" + id + "/log answered " + answer.statusCode() + ": " + String.join("\n", lines));
            }
            double firstLine = -1;
            String event = "message";
            StringBuilder data = null;
            while (stream.hasNext()) {
                String line = stream.next();
                if (line.isEmpty()) {
                    String text = data == null ? "" : data.toString();
                    if (event.equals("line")) {
                        lines.add(text);
                        if (firstLine < 0 && text.equals(FIRST_LINE)) {
                            firstLine = InstanceStartup.ms(began);
                        }
                    } else if (event.equals("end")) {
                        return new Followed(firstLine, InstanceStartup.ms(began), new JsonObject(text), lines);
                    }
                    event = "message";
                    data = null;
                } else if (line.startsWith("event:")) {
                    event = value(line);
                } else if (line.startsWith("data:")) {
                    data = data == null ? new StringBuilder() : data.append('\n');
                    data.append(value(line));
                }
            }
        }
        throw new IllegalStateException(
                "the log of job " + id + " ended without an end event; its lines:\n" + String.join("\n", lines));
    }

    /** A field's value: what follows the colon, less one space after it. */
    private static String value(String line) {
        String value = line.substring(line.indexOf(':') + 1);
        return value.startsWith(" ") ? value.substring(1) : value;
    }

    private static double between(String from, String to) {
        return Duration.between(Instant.parse(from), Instant.parse(to)).toNanos() / 1e6;
    }
}
