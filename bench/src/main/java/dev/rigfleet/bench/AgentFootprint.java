package dev.rigfleet.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The agent's footprint: the packaged agent started as a device would start it, with the small-device JVM flags,
 * serving its local APIs; measured are the time from launch to its first answer and to readiness, and its resident
 * memory and heap after it idled. Several runs; medians reported.
 *
 * <p>Usage: {@code AgentFootprint [--runs N] [--idle-seconds S] [--results DIR]}.
 */
public final class AgentFootprint {

    /** The flags a small device runs the agent with (docs/agent.md). */
    static final List<String> JVM_FLAGS = List.of(
            "-Xmx16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=16m", "-Xss512k");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Run(double firstAnswerMs, double readyMs, double idleRssMb, double maxRssMb, double heapUsedMb) {}

    public static void main(String[] args) throws Exception {
        int runs = Args.integer(args, "--runs", 3);
        int idleSeconds = Args.integer(args, "--idle-seconds", 120);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        Path jar = Path.of("services/agent/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the agent first (make bench does)");
        }
        List<Run> measured = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            Run run = measure(jar, idleSeconds);
            measured.add(run);
            System.out.printf(
                    Locale.ROOT,
                    "run %d: first answer %.0f ms, ready %.0f ms, idle RSS %.1f MB (max %.1f), heap %.1f MB%n",
                    i,
                    run.firstAnswerMs(),
                    run.readyMs(),
                    run.idleRssMb(),
                    run.maxRssMb(),
                    run.heapUsedMb());
        }
        Run median = new Run(
                median(measured.stream().mapToDouble(Run::firstAnswerMs).toArray()),
                median(measured.stream().mapToDouble(Run::readyMs).toArray()),
                median(measured.stream().mapToDouble(Run::idleRssMb).toArray()),
                median(measured.stream().mapToDouble(Run::maxRssMb).toArray()),
                median(measured.stream().mapToDouble(Run::heapUsedMb).toArray()));
        Table table = new Table("Agent footprint (median of " + runs + " runs, idle " + idleSeconds + " s)")
                .row(
                        "launch to first answer (GET /ping)",
                        String.format(Locale.ROOT, "%.0f ms", median.firstAnswerMs()))
                .row("launch to ready (/q/health/ready)", String.format(Locale.ROOT, "%.0f ms", median.readyMs()))
                .row("idle RSS", String.format(Locale.ROOT, "%.1f MB (goal <= 100 MB)", median.idleRssMb()))
                .row("largest RSS seen while idle", String.format(Locale.ROOT, "%.1f MB", median.maxRssMb()))
                .row("heap used when idle", String.format(Locale.ROOT, "%.1f MB", median.heapUsedMb()));
        table.print();
        Files.createDirectories(results);
        Path out = results.resolve("agent-footprint-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"agent-footprint\",\"runs\":%d,\"idle_seconds\":%d,\"jvm_flags\":\"%s\","
                                + "\"median\":{\"first_answer_ms\":%.1f,\"ready_ms\":%.1f,\"idle_rss_mb\":%.2f,"
                                + "\"max_rss_mb\":%.2f,\"heap_used_mb\":%.2f}}%n",
                        runs,
                        idleSeconds,
                        String.join(" ", JVM_FLAGS),
                        median.firstAnswerMs(),
                        median.readyMs(),
                        median.idleRssMb(),
                        median.maxRssMb(),
                        median.heapUsedMb()));
        System.out.println("results: " + out);
    }

    private static Run measure(Path jar, int idleSeconds) throws Exception {
        Path state = Files.createTempDirectory("rigfleet-agent-bench");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(JVM_FLAGS);
        command.addAll(List.of(
                "-Dquarkus.http.port=" + port,
                "-Drigfleet.agent.state-dir=" + state,
                "-Drigfleet.agent.iofog-port=" + freePort(),
                "-Drigfleet.agent.iofog-key-file=" + state.resolve("local-api"),
                "-jar",
                jar.toString()));
        long launched = System.nanoTime();
        Process agent = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(state.resolve("agent.log").toFile())
                .start();
        try {
            double firstAnswer = awaitStatus(agent, "http://127.0.0.1:" + port + "/ping", launched);
            double ready = awaitStatus(agent, "http://127.0.0.1:" + port + "/q/health/ready", launched);
            double maxRss = 0;
            long idleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(idleSeconds);
            while (System.nanoTime() < idleUntil) {
                maxRss = Math.max(maxRss, rssMb(agent.pid()));
                Thread.sleep(1000); // sampling interval of an idle process, not a wait for a condition
            }
            double idleRss = rssMb(agent.pid());
            return new Run(firstAnswer, ready, idleRss, Math.max(maxRss, idleRss), heapUsedMb(port));
        } finally {
            agent.destroy();
            if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
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

    private static double rssMb(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                        .filter(line -> line.startsWith("VmRSS:"))
                        .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                        .findFirst()
                        .orElse(0)
                / 1024.0;
    }

    /** The heap in use, from the agent's own metrics. */
    private static double heapUsedMb(int port) throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                        .filter(line -> line.startsWith("jvm_memory_used_bytes") && line.contains("area=\"heap\""))
                        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                        .sum()
                / (1024 * 1024);
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
