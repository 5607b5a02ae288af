package dev.rigfleet.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Benchmark 2, agents per coordinator replica: simulated agents ({@link SimulatedAgents}, the real agent's connection
 * code) dial one coordinator directly, in steps (1,000, 5,000 and 10,000 by default), spread over driver processes of
 * at most {@code --per-process} agents each (a process may hold 20,000 open files here). At each step: how fast the
 * new agents were all welcomed, and, once the coordinator holds them and a settling time has passed, its CPU use
 * over an idle window of heartbeats and stats reports, its heap in use (largest sampled, and live after a full
 * collection) and resident set. At the top step, the proxied-command latency to random simulated devices, open loop.
 *
 * <p>Usage: {@code AgentsPerReplica [--steps 1000,5000,10000] [--per-process 2500] [--settle-seconds 60]
 * [--idle-seconds 60] [--rate 100] [--seconds 30] [--token-file F] [--coordinator-pid-file F] [--results DIR]};
 * expects a running platform ({@code make run}).
 */
public final class AgentsPerReplica {

    private static final Duration CONNECT_LIMIT = Duration.ofMinutes(5);

    /** What one step measured. */
    record Step(
            int agents,
            int added,
            int processes,
            double connectSeconds,
            double cpuPercent,
            double maxHeapMb,
            double liveHeapMb,
            double rssMb) {

        double connectRate() {
            return added / connectSeconds;
        }

        /** What the step measured, as printed in progress lines and in the table. */
        String summary() {
            return String.format(
                    Locale.ROOT,
                    "+%d welcomed in %.1f s (%.0f/s), idle CPU %.1f %% of a core, heap max %.0f MB / live %.0f MB,"
                            + " RSS %.0f MB",
                    added,
                    connectSeconds,
                    connectRate(),
                    cpuPercent,
                    maxHeapMb,
                    liveHeapMb,
                    rssMb);
        }
    }

    private AgentsPerReplica() {}

    public static void main(String[] args) throws Exception {
        List<Integer> steps = Arrays.stream(
                        Args.string(args, "--steps", "1000,5000,10000").split(","))
                .map(Integer::parseInt)
                .toList();
        int perProcess = Args.integer(args, "--per-process", 2500);
        Duration settle = Duration.ofSeconds(Args.integer(args, "--settle-seconds", 60));
        Duration idle = Duration.ofSeconds(Args.integer(args, "--idle-seconds", 60));
        double rate = Args.integer(args, "--rate", 100);
        Duration seconds = Duration.ofSeconds(Args.integer(args, "--seconds", 30));
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String registry = Args.string(args, "--registry", "http://127.0.0.1:8083");
        String coordinator = Args.string(args, "--coordinator", "http://127.0.0.1:8084");
        String token = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        long coordinatorPid = Long.parseLong(
                Files.readString(Path.of(Args.string(args, "--coordinator-pid-file", ".run/pids/coordinator.pid")))
                        .trim());

        int top = steps.stream().mapToInt(Integer::intValue).max().orElseThrow();
        long enrolling = System.nanoTime();
        List<Enrolment.Device> devices = Enrolment.enrol(registry, token, "bench-agents", top);
        double enrolSeconds = (System.nanoTime() - enrolling) / 1e9;
        System.out.printf(Locale.ROOT, "enrolled %d devices in %.1f s%n", top, enrolSeconds);
        Path devicesFile = Files.createTempFile("rigfleet-bench-agents", ".txt");
        Enrolment.write(devices, devicesFile);

        // The platform's own agents (the demo device) are held too; the steps count on top of them.
        double baseline = heldAgents(coordinator);
        List<Driver> drivers = new ArrayList<>();
        List<Step> measured = new ArrayList<>();
        OpenLoop.Result proxied = null;
        Vertx vertx = Vertx.vertx();
        try {
            int held = 0;
            for (int agents : steps) {
                List<Driver> added = new ArrayList<>();
                for (int from = held; from < agents; from += perProcess) {
                    added.add(Driver.start(devicesFile, coordinator, from, Math.min(perProcess, agents - from)));
                }
                drivers.addAll(added);
                await(
                        "all " + agents + " agents welcomed",
                        CONNECT_LIMIT,
                        () -> added.stream().allMatch(Driver::allConnected));
                double connectSeconds = (added.stream()
                                        .mapToLong(driver -> driver.allConnectedAt)
                                        .max()
                                        .orElseThrow()
                                - added.stream()
                                        .mapToLong(driver -> driver.startedAt)
                                        .min()
                                        .orElseThrow())
                        / 1000.0;
                await(
                        "the coordinator holding " + agents + " agents",
                        CONNECT_LIMIT,
                        () -> heldAgents(coordinator) >= baseline + agents);
                Thread.sleep(settle.toMillis()); // the connection storm's follow-up work ends; then idle is idle
                Step step = idleWindow(
                        agents, agents - held, drivers.size(), connectSeconds, coordinator, coordinatorPid, idle);
                measured.add(step);
                System.out.println(agents + " agents: " + step.summary());
                held = agents;
            }
            proxied = proxiedLatency(vertx, registry, token, devices.subList(0, held), rate, seconds);
            System.out.println("proxied ping at " + held + " agents: " + proxied.summary());
        } finally {
            drivers.forEach(Driver::close);
            vertx.close();
            Files.deleteIfExists(devicesFile);
        }
        // Later benchmarks should find the coordinator as this one did.
        await(
                "the coordinator letting the simulated agents go",
                CONNECT_LIMIT,
                () -> heldAgents(coordinator) <= baseline);
        report(measured, proxied, top, enrolSeconds, perProcess, settle, idle, rate, seconds, results);
    }

    /** Measures the coordinator while its agents only send heartbeats and stats. */
    private static Step idleWindow(
            int agents, int added, int processes, double connectSeconds, String coordinator, long pid, Duration idle)
            throws Exception {
        double cpuBefore = ProcessStats.cpuSeconds(pid);
        long began = System.nanoTime();
        double maxHeap = 0;
        long until = began + idle.toNanos();
        while (System.nanoTime() < until) {
            maxHeap = Math.max(maxHeap, ProcessStats.heapUsedMb(coordinator));
            // A sampling interval, not a wait for a condition; each scrape of /q/metrics costs the coordinator CPU
            // itself (a snapshot of every open WebSocket's long-task timer), so not too often.
            Thread.sleep(5000);
        }
        double cpuPercent = 100 * (ProcessStats.cpuSeconds(pid) - cpuBefore) / ((System.nanoTime() - began) / 1e9);
        ProcessStats.collectGarbage(pid);
        double liveHeap = ProcessStats.heapUsedMb(coordinator);
        return new Step(
                agents, added, processes, connectSeconds, cpuPercent, maxHeap, liveHeap, ProcessStats.rssMb(pid));
    }

    private static OpenLoop.Result proxiedLatency(
            Vertx vertx, String registry, String token, List<Enrolment.Device> devices, double rate, Duration seconds)
            throws Exception {
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setConnectTimeout(2000),
                new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
        Supplier<Future<?>> call = () -> {
            Enrolment.Device device = devices.get(ThreadLocalRandom.current().nextInt(devices.size()));
            return ProxiedLatency.ping(
                    http,
                    registry + "/supervisor/ping",
                    token,
                    "{\"uuid\":\"" + device.uuid() + "\",\"method\":\"GET\"}");
        };
        OpenLoop.run(vertx, call, rate, seconds.dividedBy(3), Duration.ofSeconds(10)); // warm-up
        return OpenLoop.run(vertx, call, rate, seconds, Duration.ofSeconds(10));
    }

    private static double heldAgents(String coordinator) {
        try {
            return ProcessStats.metric(coordinator, "rigfleet_agents_held", "");
        } catch (Exception e) {
            return -1;
        }
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting for " + what + " after " + limit.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    private static void report(
            List<Step> steps,
            OpenLoop.Result proxied,
            int enrolled,
            double enrolSeconds,
            int perProcess,
            Duration settle,
            Duration idle,
            double rate,
            Duration seconds,
            Path results)
            throws IOException {
        Table table = new Table("Agents per coordinator replica (simulated agents, at most " + perProcess
                + " per driver process; idle window " + idle.toSeconds() + " s after " + settle.toSeconds()
                + " s settling)");
        table.row(
                "enrolment (POST /provision, 16 at a time)",
                String.format(
                        Locale.ROOT, "%d devices in %.1f s (%.0f/s)", enrolled, enrolSeconds, enrolled / enrolSeconds));
        for (Step step : steps) {
            table.row(step.agents() + " agents", step.summary());
        }
        if (proxied != null) {
            table.row(
                    String.format(Locale.ROOT, "proxied ping to random devices @ %.0f/s", rate),
                    String.format(
                            Locale.ROOT,
                            "p50 %.2f  p99 %.2f  p99.9 %.2f ms, failed %d",
                            proxied.percentileMs(50),
                            proxied.percentileMs(99),
                            proxied.percentileMs(99.9),
                            proxied.failed()));
        }
        table.print();
        List<Goal> goals = goals(steps.get(steps.size() - 1));
        Goal.print("Agents per coordinator replica against its goals, at the top step", goals);

        StringBuilder json = new StringBuilder(String.format(
                Locale.ROOT,
                "{\"benchmark\":\"agents-per-replica\",\"per_process\":%d,\"settle_seconds\":%d,\"idle_seconds\":%d,"
                        + "\"enrolled\":%d,\"enrol_seconds\":%.2f,\"steps\":[",
                perProcess,
                settle.toSeconds(),
                idle.toSeconds(),
                enrolled,
                enrolSeconds));
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            json.append(i == 0 ? "" : ",")
                    .append(String.format(
                            Locale.ROOT,
                            "{\"agents\":%d,\"added\":%d,\"processes\":%d,\"connect_seconds\":%.3f,"
                                    + "\"connect_rate\":%.1f,\"idle_cpu_percent\":%.2f,\"max_heap_mb\":%.1f,"
                                    + "\"live_heap_mb\":%.1f,\"rss_mb\":%.1f}",
                            step.agents(),
                            step.added(),
                            step.processes(),
                            step.connectSeconds(),
                            step.connectRate(),
                            step.cpuPercent(),
                            step.maxHeapMb(),
                            step.liveHeapMb(),
                            step.rssMb()));
        }
        json.append("]");
        if (proxied != null) {
            json.append(String.format(
                    Locale.ROOT,
                    ",\"proxied\":{\"rate\":%.0f,\"seconds\":%d,\"achieved\":%.1f,\"failed\":%d,\"p50_ms\":%.3f,"
                            + "\"p99_ms\":%.3f,\"p999_ms\":%.3f}",
                    rate,
                    seconds.toSeconds(),
                    proxied.achievedRate(),
                    proxied.failed(),
                    proxied.percentileMs(50),
                    proxied.percentileMs(99),
                    proxied.percentileMs(99.9)));
        }
        json.append(",\"goals\":").append(Goal.json(goals).encode()).append("}\n");
        Files.createDirectories(results);
        Path out =
                results.resolve("agents-per-replica-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(out, json);
        System.out.println("results: " + out);
    }

    /**
     * The goals, at the top step (10,000 agents in a full run): the largest heap in use, garbage included, within 1
     * GiB, and idle CPU within 10 % of one core; the live heap beside them.
     */
    private static List<Goal> goals(Step top) {
        String at = String.format(Locale.ROOT, " at %,d agents", top.agents());
        return List.of(
                Goal.atMost("largest heap in use" + at, top.maxHeapMb(), 1024, "MB"),
                Goal.measured("live heap" + at, top.liveHeapMb(), "MB"),
                Goal.atMost("idle CPU" + at + " (share of one core)", top.cpuPercent(), 10, "%"));
    }

    /** One driver process and what it last reported. */
    private static final class Driver {
        final Process process;
        final int count;
        volatile long startedAt = Long.MAX_VALUE;
        volatile long allConnectedAt;
        volatile int connected;

        private Driver(Process process, int count) {
            this.process = process;
            this.count = count;
        }

        static Driver start(Path devices, String coordinator, int from, int count) throws IOException {
            Path log = Path.of("bench/target/simulated-agents-" + from + ".log");
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx256m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            SimulatedAgents.class.getName(),
                            "--server",
                            coordinator.replaceFirst("^http", "ws"),
                            "--devices",
                            devices.toString(),
                            "--from",
                            Integer.toString(from),
                            "--count",
                            Integer.toString(count))
                    .redirectError(log.toFile())
                    .start();
            Driver driver = new Driver(process, count);
            Thread reader = new Thread(driver::read, "simulated-agents-" + from);
            reader.setDaemon(true);
            reader.start();
            return driver;
        }

        boolean allConnected() {
            if (!process.isAlive()) {
                throw new IllegalStateException("a simulated agents process exited: " + process.exitValue());
            }
            return allConnectedAt > 0;
        }

        private void read() {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    String[] words = line.split(" ");
                    if (words[0].equals("started")) {
                        startedAt = Long.parseLong(words[1]);
                    } else if (words[0].equals("connected")) {
                        connected = Integer.parseInt(words[1]);
                        if (connected == count && allConnectedAt == 0) {
                            allConnectedAt = Long.parseLong(words[2]);
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }
}
