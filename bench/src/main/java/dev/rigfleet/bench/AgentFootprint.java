package dev.rigfleet.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.function.ToDoubleFunction;

/**
 * The agent's footprint: the packaged agent started as a device would start it, with the small-device JVM flags, an
 * enrolled identity and the platform to dial (through the entry proxy, as run.sh's demo agent does). Measured, from
 * the launch of the process: the time to its first local answer, to readiness and to its first successful dial-home
 * (the registry calls the device online); then, after it idled with its link up, its resident set and heap; then,
 * after {@code --commands} proxied pings ({@code POST /supervisor/ping} by uuid, one after another), the same again.
 * Several runs, each with a device of its own; medians reported.
 *
 * <p>Before the runs, a training run (the agent dialling home and answering 10 commands) leaves a class archive
 * ({@code -XX:ArchiveClassesAtExit}) that the measured runs map ({@code -XX:SharedArchiveFile}), as a device makes
 * one after installing the agent.
 *
 * <p>Usage: {@code AgentFootprint [--runs N] [--idle-seconds S] [--commands N] [--no-archive] [--extra-flags "F1 F2"]
 * [--token-file F] [--results DIR]}; {@code --extra-flags} adds JVM flags (or {@code -D} properties) to the small
 * device's, to try them;
 * expects a running platform ({@code make run}).
 */
public final class AgentFootprint {

    /**
     * The flags a small device runs the agent with (docs/agent.md, "On a small device"): a small young generation
     * (the heap's touched pages are its live data and 2 MB more), one compiler thread, no perf data file; with
     * the class archive of a training run ({@code --no-archive} leaves it out).
     */
    static final List<String> JVM_FLAGS = List.of(
            "-Xmx16m",
            "-Xmn2m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1",
            "-XX:ReservedCodeCacheSize=16m",
            "-Xss512k",
            "-XX:-UsePerfData");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Run(
            double firstAnswerMs,
            double readyMs,
            double dialHomeMs,
            double idleRssMb,
            double maxRssMb,
            double heapUsedMb,
            double commandsRssMb,
            double commandsHeapMb) {}

    /** Where the measured agent dials and how the driver talks to the platform. */
    private record Platform(String api, String registry, String token) {}

    public static void main(String[] args) throws Exception {
        int runs = Args.integer(args, "--runs", 3);
        int idleSeconds = Args.integer(args, "--idle-seconds", 120);
        int commands = Args.integer(args, "--commands", 1000);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        List<String> flags = new ArrayList<>(JVM_FLAGS);
        String extra = Args.string(args, "--extra-flags", "").strip();
        if (!extra.isEmpty()) {
            flags.addAll(List.of(extra.split("\\s+")));
        }
        Platform platform = new Platform(
                Args.string(args, "--api", "http://127.0.0.1:8080"),
                Args.string(args, "--registry", "http://127.0.0.1:8083"),
                Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                        .trim());
        Path jar = Path.of("services/agent/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the agent first (make bench does)");
        }
        if (!Args.flag(args, "--no-archive")) {
            Path archive = Files.createTempDirectory("rigfleet-agent-archive").resolve("agent.jsa");
            List<String> training = new ArrayList<>(flags);
            training.add("-XX:ArchiveClassesAtExit=" + archive);
            measure(jar, platform, training, 1, 10);
            if (!Files.exists(archive)) {
                throw new IllegalStateException("the training run left no class archive at " + archive);
            }
            flags.add("-XX:SharedArchiveFile=" + archive);
            System.out.println("class archive of a training run: " + archive);
        }
        List<Run> measured = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            Run run = measure(jar, platform, flags, idleSeconds, commands);
            measured.add(run);
            System.out.printf(
                    Locale.ROOT,
                    "run %d: first answer %.0f ms, ready %.0f ms, dial-home %.0f ms, idle RSS %.1f MB (max %.1f),"
                            + " heap %.1f MB; after %d commands RSS %.1f MB, heap %.1f MB%n",
                    i,
                    run.firstAnswerMs(),
                    run.readyMs(),
                    run.dialHomeMs(),
                    run.idleRssMb(),
                    run.maxRssMb(),
                    run.heapUsedMb(),
                    commands,
                    run.commandsRssMb(),
                    run.commandsHeapMb());
        }
        Run median = new Run(
                median(measured, Run::firstAnswerMs),
                median(measured, Run::readyMs),
                median(measured, Run::dialHomeMs),
                median(measured, Run::idleRssMb),
                median(measured, Run::maxRssMb),
                median(measured, Run::heapUsedMb),
                median(measured, Run::commandsRssMb),
                median(measured, Run::commandsHeapMb));
        Table table = new Table("Agent footprint (median of " + runs + " runs, idle " + idleSeconds + " s with the link"
                        + " up)")
                .row(
                        "launch to first answer (GET /ping)",
                        String.format(Locale.ROOT, "%.0f ms", median.firstAnswerMs()))
                .row("launch to ready (/q/health/ready)", String.format(Locale.ROOT, "%.0f ms", median.readyMs()))
                .row(
                        "launch to first dial-home (device online)",
                        String.format(Locale.ROOT, "%.0f ms", median.dialHomeMs()))
                .row("idle RSS", String.format(Locale.ROOT, "%.1f MB", median.idleRssMb()))
                .row("largest RSS seen while idle", String.format(Locale.ROOT, "%.1f MB", median.maxRssMb()))
                .row("heap used when idle", String.format(Locale.ROOT, "%.1f MB", median.heapUsedMb()))
                .row(
                        "RSS / heap after " + commands + " proxied commands",
                        String.format(
                                Locale.ROOT, "%.1f MB / %.1f MB", median.commandsRssMb(), median.commandsHeapMb()));
        table.print();
        List<Goal> goals = List.of(
                Goal.atMost("idle RSS after " + idleSeconds + " s with the link up", median.idleRssMb(), 100, "MB"),
                Goal.measured("RSS after " + commands + " proxied commands", median.commandsRssMb(), "MB"));
        Goal.print("Agent footprint against its goal (medians)", goals);
        Files.createDirectories(results);
        Path out = results.resolve("agent-footprint-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"agent-footprint\",\"runs\":%d,\"idle_seconds\":%d,\"commands\":%d,"
                                + "\"jvm_flags\":\"%s\",\"median\":{\"first_answer_ms\":%.1f,\"ready_ms\":%.1f,"
                                + "\"dial_home_ms\":%.1f,\"idle_rss_mb\":%.2f,\"max_rss_mb\":%.2f,"
                                + "\"heap_used_mb\":%.2f,\"commands_rss_mb\":%.2f,\"commands_heap_mb\":%.2f},"
                                + "\"goals\":%s}%n",
                        runs,
                        idleSeconds,
                        commands,
                        String.join(" ", flags),
                        median.firstAnswerMs(),
                        median.readyMs(),
                        median.dialHomeMs(),
                        median.idleRssMb(),
                        median.maxRssMb(),
                        median.heapUsedMb(),
                        median.commandsRssMb(),
                        median.commandsHeapMb(),
                        Goal.json(goals).encode()));
        System.out.println("results: " + out);
    }

    private static Run measure(Path jar, Platform platform, List<String> flags, int idleSeconds, int commands)
            throws Exception {
        Path state = Files.createTempDirectory("rigfleet-agent-bench");
        // An enrolled device, as after its first boot: the agent only dials (the registry's answer is identity.json).
        String uuid = enrolledInto(state, platform);
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(flags);
        command.addAll(List.of(
                "-Dquarkus.http.port=" + port,
                "-Drigfleet.agent.state-dir=" + state,
                "-Drigfleet.agent.servers=" + platform.api(),
                "-Drigfleet.agent.iofog-port=" + freePort(),
                "-Drigfleet.agent.iofog-key-file=" + state.resolve("local-api"),
                "-jar",
                jar.toString()));
        long launched = System.nanoTime();
        Process agent = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(state.resolve("agent.log").toFile())
                .start();
        String local = "http://127.0.0.1:" + port;
        try {
            double firstAnswer = awaitStatus(agent, local + "/ping", launched);
            double ready = awaitStatus(agent, local + "/q/health/ready", launched);
            double dialHome = awaitOnline(agent, platform, uuid, launched);
            double maxRss = 0;
            long idleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(idleSeconds);
            while (System.nanoTime() < idleUntil) {
                maxRss = Math.max(maxRss, ProcessStats.rssMb(agent.pid()));
                Thread.sleep(1000); // sampling interval of an idle process, not a wait for a condition
            }
            double idleRss = ProcessStats.rssMb(agent.pid());
            double idleHeap = ProcessStats.heapUsedMb(local);
            ping(platform, uuid, commands);
            return new Run(
                    firstAnswer,
                    ready,
                    dialHome,
                    idleRss,
                    Math.max(maxRss, idleRss),
                    idleHeap,
                    ProcessStats.rssMb(agent.pid()),
                    ProcessStats.heapUsedMb(local));
        } finally {
            agent.destroy();
            if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    /** Enrols a device and leaves its identity in the state directory as the agent keeps it; answers its uuid. */
    private static String enrolledInto(Path state, Platform platform) throws Exception {
        JsonObject fleet = Enrolment.call(
                platform.registry() + "/fleets",
                platform.token(),
                new JsonObject().put("name", "bench-footprint-" + System.nanoTime()),
                201);
        String key = Enrolment.call(
                        platform.registry() + "/fleets/" + fleet.getLong("appId") + "/provisioning-keys",
                        platform.token(),
                        new JsonObject(),
                        201)
                .getString("provisioning_key");
        JsonObject identity = Enrolment.call(
                platform.registry() + "/provision", null, new JsonObject().put("provisioning_key", key), 201);
        Path file = Files.createFile(
                state.resolve("identity.json"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, identity.encode());
        return identity.getString("uuid");
    }

    /** Milliseconds from launch until the registry calls the device online (its agent was welcomed home). */
    private static double awaitOnline(Process agent, Platform platform, String uuid, long launched) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(platform.registry() + "/devices/" + uuid))
                .header("Authorization", "Bearer " + platform.token())
                .build();
        long deadline = launched + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!agent.isAlive()) {
                throw new IllegalStateException("the agent exited with status " + agent.exitValue());
            }
            HttpResponse<String> device = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (device.statusCode() == 200 && new JsonObject(device.body()).getBoolean("online", false)) {
                return (System.nanoTime() - launched) / 1e6;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("device " + uuid + " did not come online within 120 s");
    }

    /** Sends the proxied pings one after another; each must be answered {@code 200 OK} by the agent. */
    private static void ping(Platform platform, String uuid, int commands) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(platform.registry() + "/supervisor/ping"))
                .header("Authorization", "Bearer " + platform.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"uuid\":\"" + uuid + "\",\"method\":\"GET\"}"))
                .build();
        for (int i = 0; i < commands; i++) {
            HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200 || !answer.body().equals("OK")) {
                throw new IllegalStateException(
                        "proxied ping " + i + " answered " + answer.statusCode() + ": " + answer.body());
            }
        }
    }

    /** Milliseconds from launch until the URL answers 200. */
    private static double awaitStatus(Process agent, String url, long launched) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(2))
                .build();
        long deadline = launched + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!agent.isAlive()) {
                throw new IllegalStateException("the agent exited with status " + agent.exitValue());
            }
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return (System.nanoTime() - launched) / 1e6;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(url + " did not answer within 120 s");
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> measure) {
        return median(runs.stream().mapToDouble(measure).toArray());
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
