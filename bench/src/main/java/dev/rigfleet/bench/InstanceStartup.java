package dev.rigfleet.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 8, instance start-up: how long a user waits from {@code POST /new} to a shell. Through the entry proxy,
 * with the demo admin's token, each run asks for an instance of the demo deployment ({@code POST /new/<deployment
 * id>}), polls {@code GET /instance/:id} every {@code --poll-ms} (50) until it is READY, then runs OpenSSH's {@code ssh
 * ... echo ok} through {@code fwd} with the host key checked against {@code hostkeys} (a known_hosts file, {@code
 * StrictHostKeyChecking=yes}) until the first one answers {@code ok}, at once again after a failure. Both times count
 * from just before {@code POST /new} was sent. Then it terminates the instance and waits until the deployment is free
 * again ({@code GET /queuelen/<id>} answers 0), which it also times. {@code --runs} (20) measured runs after {@code
 * --warmup-runs} (1); medians and p99 (nearest rank: of 20 runs, the slowest).
 *
 * <p>Usage: {@code InstanceStartup [--runs 20] [--warmup-runs 1] [--poll-ms 50] [--api http://127.0.0.1:8080]
 * [--token-file F] [--deployment-file F] [--results DIR]}; expects a running platform ({@code make run}) with the demo
 * agent online and its deployment free.
 */
public final class InstanceStartup {

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    /** How long an instance may take to become READY, a login to succeed, or a deployment to be freed. */
    static final Duration GIVE_UP = Duration.ofSeconds(60);

    /** A READY instance, the files its user logs in with, and when {@code POST /new} answered (ns, nanoTime). */
    record Instance(
            String id, String host, int port, String hostKey, Path key, Path knownHosts, Path dir, long answered) {

        /** {@code ssh -i key -p fwd.port root@fwd.ipv4 command}, the host key checked, as a user logs in. */
        List<String> ssh(String command) {
            List<String> line = new ArrayList<>(List.of("ssh"));
            line.addAll(options());
            line.addAll(List.of("-p", Integer.toString(port), "root@" + host, command));
            return line;
        }

        /** The options of every ssh and scp: the instance's key only, and its host key checked. */
        List<String> options() {
            return List.of(
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "StrictHostKeyChecking=yes",
                    "-o",
                    "UserKnownHostsFile=" + knownHosts,
                    "-o",
                    "IdentitiesOnly=yes",
                    "-o",
                    "ConnectTimeout=5",
                    "-i",
                    key.toString());
        }
    }

    /**
     * One run's times, in ms from just before {@code POST /new}: its answer ({@code answered}), READY, the first
     * successful login; {@code free} from just before the terminate.
     */
    record Run(double answered, double ready, double ssh, int sshAttempts, double free) {}

    private InstanceStartup() {}

    public static void main(String[] args) throws Exception {
        int runs = Args.integer(args, "--runs", 20);
        int warmups = Args.integer(args, "--warmup-runs", 1);
        long pollMs = Args.integer(args, "--poll-ms", 50);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String api = Args.string(args, "--api", "http://127.0.0.1:8080");
        String token = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        String deployment = Files.readString(Path.of(Args.string(args, "--deployment-file", ".run/deployment-id")))
                .trim();

        awaitFree(api, deployment, pollMs);
        List<Run> measured = new ArrayList<>();
        for (int i = 0; i < warmups + runs; i++) {
            Run run = once(api, token, deployment, pollMs);
            boolean warmup = i < warmups;
            if (!warmup) {
                measured.add(run);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s %d: POST /new answered %.0f ms, READY %.0f ms, first ssh ok %.0f ms (%d attempt(s)),"
                            + " deployment free %.0f ms after terminate%n",
                    warmup ? "warm-up" : "run",
                    warmup ? i + 1 : i - warmups + 1,
                    run.answered(),
                    run.ready(),
                    run.ssh(),
                    run.sshAttempts(),
                    run.free());
        }

        double[] answered = measured.stream().mapToDouble(Run::answered).toArray();
        double[] ready = measured.stream().mapToDouble(Run::ready).toArray();
        double[] ssh = measured.stream().mapToDouble(Run::ssh).toArray();
        double[] free = measured.stream().mapToDouble(Run::free).toArray();
        int retried =
                (int) measured.stream().filter(run -> run.sshAttempts() > 1).count();
        new Table(String.format(
                        Locale.ROOT,
                        "Instance start-up: %d runs of POST /new/<demo deployment> (after %d warm-up), ms from the"
                                + " request",
                        runs,
                        warmups))
                .row("POST /new answered (its key pair made)", summary(answered))
                .row("READY (poll every " + pollMs + " ms)", summary(ready))
                .row("first ssh echo ok (host key checked)", summary(ssh))
                .row("runs whose first ssh failed", retried + " of " + runs)
                .row("terminate to deployment free", summary(free))
                .print();
        List<Goal> goals = List.of(
                Goal.atMost("READY, p99 (from POST /new)", percentile(ready, 99), 5_000, "ms"),
                Goal.atMost("first ssh echo ok, p99 (from POST /new)", percentile(ssh, 99), 6_000, "ms"));
        Goal.print("Instance start-up against its goals", goals);

        Files.createDirectories(results);
        Path out =
                results.resolve("instance-startup-" + Instant.now().toString().replace(':', '-') + ".json");
        StringBuilder each = new StringBuilder();
        for (Run run : measured) {
            each.append(each.isEmpty() ? "" : ",")
                    .append(String.format(
                            Locale.ROOT,
                            "{\"answered_ms\":%.1f,\"ready_ms\":%.1f,\"ssh_ms\":%.1f,\"ssh_attempts\":%d,"
                                    + "\"free_ms\":%.1f}",
                            run.answered(),
                            run.ready(),
                            run.ssh(),
                            run.sshAttempts(),
                            run.free()));
        }
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"instance-startup\",\"runs\":%d,\"warmup_runs\":%d,\"poll_ms\":%d,"
                                + "\"answered\":%s,\"ready\":%s,\"ssh\":%s,\"free\":%s,\"each\":[%s],"
                                + "\"goals\":%s}%n",
                        runs,
                        warmups,
                        pollMs,
                        json(answered),
                        json(ready),
                        json(ssh),
                        json(free),
                        each,
                        Goal.json(goals).encode()));
        System.out.println("results: " + out);
    }

    private static Run once(String api, String token, String deployment, long pollMs) throws Exception {
        long began = System.nanoTime();
        Instance instance = create(api, token, deployment, pollMs);
        double ready = ms(began);
        int attempts = 0;
        double ssh;
        try {
            while (true) {
                attempts++;
                Result result = run(instance.ssh("echo ok"));
                if (result.status() == 0 && result.output().equals("ok\n")) {
                    ssh = ms(began);
                    break;
                }
                if (ms(began) > GIVE_UP.toMillis()) {
                    throw new IllegalStateException("no ssh login within " + GIVE_UP.toSeconds() + " s: " + result);
                }
            }
        } catch (Exception e) {
            terminate(api, token, instance.id());
            throw e;
        } finally {
            delete(instance.dir());
        }
        long terminating = System.nanoTime();
        terminate(api, token, instance.id());
        awaitFree(api, deployment, pollMs);
        return new Run((instance.answered() - began) / 1e6, ready, ssh, attempts, ms(terminating));
    }

    /**
     * {@code POST /new/<deployment>}, then {@code GET /instance/:id} every {@code pollMs} until READY; the key and a
     * known_hosts file written to a directory of the instance's own.
     */
    static Instance create(String api, String token, String deployment, long pollMs) throws Exception {
        return create(api, token, deployment, null, pollMs);
    }

    /** As {@link #create(String, String, String, long)}, with this JSON body for {@code POST /new} when not null. */
    static Instance create(String api, String token, String deployment, JsonObject body, long pollMs) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + "/new/" + deployment))
                .header("Authorization", "Bearer " + token);
        if (body == null) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        }
        HttpResponse<String> made = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonObject answer = made.statusCode() == 200 ? new JsonObject(made.body()) : new JsonObject();
        if (!answer.getBoolean("success", false)) {
            throw new IllegalStateException("POST /new answered " + made.statusCode() + ": " + made.body());
        }
        long answered = System.nanoTime();
        String id = answer.getString("id");
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        JsonObject instance;
        while (true) {
            instance = new JsonObject(get(api + "/instance/" + id, token));
            String status = instance.getString("status");
            if ("READY".equals(status)) {
                break;
            }
            if (!"INIT".equals(status) || System.nanoTime() > deadline) {
                throw new IllegalStateException("instance " + id + " did not become READY: " + instance.encode());
            }
            Thread.sleep(pollMs);
        }
        JsonObject fwd = instance.getJsonObject("fwd");
        String host = fwd.getString("ipv4");
        int port = fwd.getInteger("port");
        JsonArray hostkeys = instance.getJsonArray("hostkeys");
        Path dir = Files.createTempDirectory("rigfleet-bench-instance");
        Path key = dir.resolve("key");
        Files.writeString(key, answer.getString("sshkey"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path knownHosts = dir.resolve("known_hosts");
        StringBuilder lines = new StringBuilder();
        for (Object hostkey : hostkeys) {
            lines.append('[')
                    .append(host)
                    .append("]:")
                    .append(port)
                    .append(' ')
                    .append(hostkey)
                    .append('\n');
        }
        Files.writeString(knownHosts, lines);
        return new Instance(id, host, port, hostkeys.getString(0), key, knownHosts, dir, answered);
    }

    /** {@code POST /terminate/:id}; the instance ends on its own after that. */
    static void terminate(String api, String token, String id) throws Exception {
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(URI.create(api + "/terminate/" + id))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /terminate answered " + answer.statusCode() + ": " + answer.body());
        }
    }

    /** Polls {@code GET /queuelen/<deployment>} every {@code pollMs} until it answers 0. */
    static void awaitFree(String api, String deployment, long pollMs) throws Exception {
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        while (new JsonObject(get(api + "/queuelen/" + deployment, null)).getInteger("len") != 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "deployment " + deployment + " still held after " + GIVE_UP.toSeconds() + " s");
            }
            Thread.sleep(pollMs);
        }
    }

    static String get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    record Result(int status, String output) {}

    /** Runs a command with nothing on its standard input; its exit status and output (stderr merged). */
    static Result run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(GIVE_UP.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("still running after " + GIVE_UP.toSeconds() + " s: " + command);
        }
        return new Result(process.exitValue(), output);
    }

    static void delete(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    static double ms(long since) {
        return (System.nanoTime() - since) / 1e6;
    }

    /** Nearest rank: the smallest value with at least {@code percent} % of the values at or below it. */
    static double percentile(double[] values, double percent) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percent / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    static String summary(double[] values) {
        return String.format(
                Locale.ROOT,
                "median %,.0f, p99 %,.0f, min %,.0f",
                AgentFootprint.median(values),
                percentile(values, 99),
                Arrays.stream(values).min().orElse(0));
    }

    static String json(double[] values) {
        return String.format(
                Locale.ROOT,
                "{\"median_ms\":%.1f,\"p99_ms\":%.1f,\"min_ms\":%.1f,\"max_ms\":%.1f}",
                AgentFootprint.median(values),
                percentile(values, 99),
                Arrays.stream(values).min().orElse(0),
                Arrays.stream(values).max().orElse(0));
    }
}
