package dev.rigfleet.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 3, API throughput: the registry's device list ({@code GET /devices?appId=}) and a single device ({@code
 * GET /devices/<uuid>}) through the entry proxy, at saturation: a closed loop of {@code --connections} callers, each
 * sending its next request when the last one answered, for {@code --seconds}. Requests per second and the latency
 * percentiles at that load. Run once with the rate limiter on and once with it off ({@code --limiter on|off} only
 * labels the run; scripts/bench.sh starts the platform afresh for each, so that both halves meet equally warm
 * services); the second run also prints the comparison with the newest first one found in the results directory.
 * Each route is first loaded for {@code --warmup-seconds}: a freshly started service still compiles its paths for a
 * minute or more, and a comparison of a cold half with a warm one measured the JIT, not the limiter.
 *
 * <p>Usage: {@code ApiThroughput --limiter on|off [--seconds S] [--warmup-seconds W] [--connections N]
 * [--results DIR]}.
 */
public final class ApiThroughput {

    record Run(String route, String limiter, double perSecond, long ok, long failed, Histogram latencies) {

        double ms(double percentile) {
            return latencies.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private ApiThroughput() {}

    public static void main(String[] args) throws Exception {
        String limiter = Args.string(args, "--limiter", "on");
        Duration seconds = Duration.ofSeconds(Args.integer(args, "--seconds", 30));
        Duration warmup = Duration.ofSeconds(Args.integer(args, "--warmup-seconds", 60));
        int connections = Args.integer(args, "--connections", 64);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String api = Args.string(args, "--api", "http://127.0.0.1:8080");
        String token = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        String device = Files.readString(Path.of(Args.string(args, "--device-file", ".run/device-uuid")))
                .trim();

        Vertx vertx = Vertx.vertx();
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setDefaultHost("127.0.0.1"),
                new PoolOptions().setHttp1MaxSize(connections));
        int port = java.net.URI.create(api).getPort();
        List<Run> runs = new ArrayList<>();
        try {
            String appId = appIdOf(http, port, device, token);
            // Named without their ids, so that runs on platforms with other ids compare.
            Map<String, String> routes = new LinkedHashMap<>();
            routes.put("/devices?appId=<fleet>", "/devices?appId=" + appId);
            routes.put("/devices/<uuid>", "/devices/" + device);
            for (Map.Entry<String, String> named : routes.entrySet()) {
                String route = named.getValue();
                // Warm both ends first; then measure.
                saturate(vertx, http, port, route, token, connections, warmup, limiter);
                Run measured = saturate(vertx, http, port, route, token, connections, seconds, limiter);
                Run run = new Run(
                        named.getKey(),
                        limiter,
                        measured.perSecond(),
                        measured.ok(),
                        measured.failed(),
                        measured.latencies());
                System.out.printf(
                        Locale.ROOT,
                        "limiter %s, GET %s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d failed%n",
                        limiter,
                        route,
                        run.perSecond(),
                        run.ms(50),
                        run.ms(99),
                        run.failed());
                runs.add(run);
            }
        } finally {
            vertx.close();
        }

        Table table = new Table("API throughput through the entry proxy, at saturation (" + connections
                + " connections, limiter " + limiter + ")");
        runs.forEach(run -> table.row(
                "GET " + run.route(),
                String.format(
                        Locale.ROOT,
                        "%.0f/s, p50 %.2f ms, p99 %.2f ms, %d failed",
                        run.perSecond(),
                        run.ms(50),
                        run.ms(99),
                        run.failed())));
        table.print();
        // The limiter's cost needs both halves: the "off" run judges it against the newest "on" run before it.
        List<Goal> goals = limiter.equals("off") ? limiterCost(results, runs) : List.of();
        if (limiter.equals("on")) {
            System.out.println("The limiter's cost (goal <= 10 %) is judged by the run with the limiter off.");
        }
        Files.createDirectories(results);
        String json = runs.stream()
                .map(run -> String.format(
                        Locale.ROOT,
                        "{\"route\":\"%s\",\"limiter\":\"%s\",\"per_second\":%.1f,\"ok\":%d,\"failed\":%d,"
                                + "\"p50_ms\":%.3f,\"p99_ms\":%.3f}",
                        run.route(),
                        run.limiter(),
                        run.perSecond(),
                        run.ok(),
                        run.failed(),
                        run.ms(50),
                        run.ms(99)))
                .collect(Collectors.joining(",", "[", "]"));
        Path out = results.resolve(
                "api-throughput-" + limiter + "-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                "{\"benchmark\":\"api-throughput\",\"limiter\":\"" + limiter + "\",\"connections\":" + connections
                        + ",\"seconds\":" + seconds.toSeconds() + ",\"runs\":" + json + ",\"goals\":"
                        + Goal.json(goals).encode() + "}\n");
        System.out.println("results: " + out);
    }

    /**
     * Prints both runs side by side, against the newest "on" results in the directory, and answers the limiter's cost
     * of each route as a goal (at most 10 % of throughput); none when there is no "on" run to compare with.
     */
    private static List<Goal> limiterCost(Path results, List<Run> off) throws Exception {
        Path newestOn;
        try (var files = Files.list(results)) {
            newestOn = files.filter(file -> file.getFileName().toString().startsWith("api-throughput-on-"))
                    .max(Path::compareTo)
                    .orElse(null);
        }
        if (newestOn == null) {
            System.out.println("No run with the limiter on in " + results + ": the limiter's cost is not measured.");
            return List.of();
        }
        Table table = new Table(
                "The rate limiter's cost: the newest run with it on (" + newestOn.getFileName() + ") against this one");
        String on = Files.readString(newestOn);
        List<Goal> goals = new ArrayList<>();
        for (Run run : off) {
            double onRate = number(on, run.route(), "per_second");
            double onP99 = number(on, run.route(), "p99_ms");
            if (Double.isNaN(onRate)) {
                System.out.println(newestOn.getFileName() + " has no run of GET " + run.route() + " to compare with");
                continue;
            }
            table.row(
                    "GET " + run.route() + ", limiter on",
                    String.format(Locale.ROOT, "%.0f/s, p99 %.2f ms", onRate, onP99));
            table.row(
                    "GET " + run.route() + ", limiter off",
                    String.format(Locale.ROOT, "%.0f/s, p99 %.2f ms", run.perSecond(), run.ms(99)));
            goals.add(Goal.atMost(
                    "limiter's cost, GET " + run.route() + " (share of throughput)",
                    100 * (1 - onRate / run.perSecond()),
                    10,
                    "%"));
        }
        table.print();
        Goal.print("API throughput against its goal", goals);
        return goals;
    }

    /** A number of the run of this route in the other run's JSON (written above, so its shape is known). */
    private static double number(String json, String route, String field) {
        int at = json.indexOf("\"route\":\"" + route + "\"");
        if (at < 0) {
            return Double.NaN;
        }
        int start = json.indexOf("\"" + field + "\":", at) + field.length() + 3;
        int end = start;
        while (end < json.length() && "0123456789.-".indexOf(json.charAt(end)) >= 0) {
            end++;
        }
        return Double.parseDouble(json.substring(start, end));
    }

    /** The demo device's fleet, from the device itself. */
    private static String appIdOf(HttpClient http, int port, String device, String token) throws Exception {
        String body = http.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setPort(port)
                        .setURI("/devices/" + device)
                        .putHeader("Authorization", "Bearer " + token))
                .compose(request -> request.send())
                .compose(response -> response.body())
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .toString();
        java.util.regex.Matcher appId =
                java.util.regex.Pattern.compile("\"appId\":(\\d+)").matcher(body);
        if (!appId.find()) {
            throw new IllegalStateException("GET /devices/" + device + " gave no appId: " + body);
        }
        return appId.group(1);
    }

    private static Run saturate(
            Vertx vertx,
            HttpClient http,
            int port,
            String route,
            String token,
            int connections,
            Duration duration,
            String limiter)
            throws Exception {
        Histogram latencies = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        long[] counts = new long[2]; // ok, failed
        Context context = vertx.getOrCreateContext();
        Promise<Void> done = Promise.promise();
        long end = System.nanoTime() + duration.toNanos();
        int[] running = {connections};
        context.runOnContext(ignored -> {
            for (int i = 0; i < connections; i++) {
                loop(http, port, route, token, end, latencies, counts, () -> {
                    if (--running[0] == 0) {
                        done.complete();
                    }
                });
            }
        });
        done.future().toCompletionStage().toCompletableFuture().get(duration.toSeconds() + 60, TimeUnit.SECONDS);
        Promise<Run> read = Promise.promise();
        context.runOnContext(ignored -> read.complete(new Run(
                route, limiter, counts[0] / (duration.toMillis() / 1000.0), counts[0], counts[1], latencies.copy())));
        return read.future().toCompletionStage().toCompletableFuture().get();
    }

    /** One caller: sends, waits for the answer, sends again, until the end; then says so. */
    private static void loop(
            HttpClient http,
            int port,
            String route,
            String token,
            long end,
            Histogram latencies,
            long[] counts,
            Runnable finished) {
        if (System.nanoTime() >= end) {
            finished.run();
            return;
        }
        long started = System.nanoTime();
        call(http, port, route, token).onComplete(answer -> {
            if (answer.succeeded()) {
                counts[0]++;
                latencies.recordValue(Math.min(
                        latencies.getHighestTrackableValue(),
                        TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started)));
            } else {
                counts[1]++;
            }
            loop(http, port, route, token, end, latencies, counts, finished);
        });
    }

    private static Future<?> call(HttpClient http, int port, String route, String token) {
        return http.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setPort(port)
                        .setURI(route)
                        .putHeader("Authorization", "Bearer " + token))
                .compose(request -> request.send())
                .compose(response -> response.body()
                        .compose(body -> response.statusCode() == 200
                                ? Future.succeededFuture()
                                : Future.failedFuture("status " + response.statusCode())));
    }
}
