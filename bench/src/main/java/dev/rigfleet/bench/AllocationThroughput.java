package dev.rigfleet.bench;

import dev.rigfleet.agent.link.AgentConnection;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 7, allocation throughput: the workspaces service's allocation ({@code POST /internal/allocations}, what
 * the instances service calls for {@code POST /new}, with the instances service's identity) over {@code
 * --deployments} deployments of one workspace type, each of its own freshly enrolled device kept online by a simulated
 * agent (the real agent's connection code) connected to the coordinator.
 *
 * <ul>
 *   <li><b>Bursts.</b> Each round sends {@code --requests} allocation requests at once (each for a user of its own,
 *       without a reservation), on as many pooled keep-alive connections; as many as there are deployments are
 *       allocated, the rest answered busy ({@code 503}). When every answer is in, the holdings are released and the
 *       next round starts. After the warm-up ({@code --warmup-seconds} of churn, below, then {@code --warmup-rounds}
 *       rounds, which also open the connections), {@code --rounds} measured: requests per second over the rounds'
 *       time (first request sent to last answer), the latency of every request, allocations per round.
 *   <li><b>Churn.</b> {@code --clients} callers for {@code --seconds}, each allocating and, when allocated,
 *       releasing at once, then allocating again (a busy answer is retried at once): allocations per second
 *       sustained, and the latencies.
 *   <li><b>Checks.</b> No deployment handed out twice within a round (the driver's view), and afterwards in the
 *       database ({@code psql} as the services' role): no deployment with two open holdings, no two holdings of one
 *       deployment overlapping in time by their recorded start and end (over every holding there, and over the run's
 *       deployments with the largest overlap), as many holdings of the run's deployments as allocations were
 *       answered, none left open.
 * </ul>
 *
 * The workspace type ({@code --type}, made with the admin's token if missing) belongs to this benchmark: deployments
 * of it left in service by an earlier run are retired first, and the run's own are retired at the end.
 *
 * <p>Usage: {@code AllocationThroughput [--deployments 10] [--requests 1000] [--rounds 20] [--warmup-rounds 3]
 * [--warmup-seconds 60] [--clients 50] [--seconds 30] [--token-file F] [--service-key-file F] [--database rigfleet]
 * [--results DIR]}; expects a running platform ({@code make run}) whose token file holds an admin's token.
 */
public final class AllocationThroughput {

    static final String BUSY = "All matching workspace deployments are busy. Try again later.";
    private static final java.net.http.HttpClient SETUP = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    enum Kind {
        ALLOCATED,
        BUSY,
        ERROR
    }

    /** One allocation request's answer and how long it took (from before its connection was taken from the pool). */
    record Answer(Kind kind, String holding, String deployment, long micros, String error) {}

    /** Where the load goes and as whom. */
    record Target(String host, int port, String service, String type) {}

    /** Figures of the bursts or of the churn; touched on the load's event loop only. */
    static final class Tally {
        final Histogram all = histogram();
        final Histogram allocated = histogram();
        final Histogram busy = histogram();
        final Histogram released = histogram();
        final List<Integer> allocatedPerRound = new ArrayList<>();
        final List<Long> roundMicros = new ArrayList<>();
        long allocations;
        long busyAnswers;
        long errors;
        long releaseErrors;
        long handedTwice;
        long nanos;
        String firstError;

        void record(Answer answer) {
            all.recordValue(clamp(all, answer.micros()));
            switch (answer.kind()) {
                case ALLOCATED -> {
                    allocations++;
                    allocated.recordValue(clamp(allocated, answer.micros()));
                }
                case BUSY -> {
                    busyAnswers++;
                    busy.recordValue(clamp(busy, answer.micros()));
                }
                default -> {
                    errors++;
                    if (firstError == null) {
                        firstError = answer.error();
                    }
                }
            }
        }

        long requests() {
            return allocations + busyAnswers + errors;
        }

        double seconds() {
            return nanos / 1e9;
        }
    }

    /** The database's view after the run. */
    record Checks(
            long doublyOpen,
            long overlappingAll,
            long overlapping,
            double largestOverlapMs,
            long holdings,
            long leftOpen) {}

    private AllocationThroughput() {}

    public static void main(String[] args) throws Exception {
        int deploymentCount = Args.integer(args, "--deployments", 10);
        int requests = Args.integer(args, "--requests", 1000);
        int rounds = Args.integer(args, "--rounds", 20);
        int warmupRounds = Args.integer(args, "--warmup-rounds", 3);
        Duration warmupTime = Duration.ofSeconds(Args.integer(args, "--warmup-seconds", 60));
        int clients = Args.integer(args, "--clients", 50);
        Duration churnTime = Duration.ofSeconds(Args.integer(args, "--seconds", 30));
        String type = Args.string(args, "--type", "bench_alloc");
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        URI workspaces = URI.create(Args.string(args, "--workspaces", "http://127.0.0.1:8081"));
        String registry = Args.string(args, "--registry", "http://127.0.0.1:8083");
        URI coordinator = URI.create(
                Args.string(args, "--coordinator", "http://127.0.0.1:8084").replaceFirst("^http", "ws"));
        String database = Args.string(args, "--database", "rigfleet");
        String admin = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        Target target = new Target(
                workspaces.getHost(),
                workspaces.getPort(),
                ServiceToken.authorization(
                        Path.of(Args.string(args, "--service-key-file", ".run/keys/service.key")), "instances"),
                type);
        String api = workspaces.toString();

        ensureType(api, admin, type);
        int leftovers = retireAll(api, admin, listed(api, type));
        if (leftovers > 0) {
            System.out.println("retired " + leftovers + " deployment(s) of " + type + " left by an earlier run");
        }
        List<Enrolment.Device> devices = Enrolment.enrol(registry, admin, "bench-allocation", deploymentCount);
        Vertx agentsVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        List<AgentConnection> agents = devices.stream()
                .map(device -> SimulatedAgents.connect(agentsVertx, coordinator, device))
                .toList();
        List<String> deployments = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        Tally warmup = new Tally();
        Tally bursts = new Tally();
        Tally churn;
        Checks checks;
        int onlineAtEnd;
        try {
            for (Enrolment.Device device : devices) {
                deployments.add(createDeployment(api, admin, type, device.uuid()));
            }
            long online = awaitOnline(api, admin, deployments);
            System.out.printf(
                    Locale.ROOT,
                    "%d deployments of %s online %.0f ms after they were made%n",
                    deployments.size(),
                    type,
                    online / 1e6);

            HttpClient http = vertx.createHttpClient(
                    new HttpClientOptions().setKeepAlive(true).setDefaultHost(target.host()),
                    new PoolOptions().setHttp1MaxSize(requests));
            Context context = vertx.getOrCreateContext();
            // A freshly started service still compiles its allocation path for a minute or more: churn first, then
            // bursts (which also open the connections), none of it counted.
            Tally warmupChurn = churn(context, http, target, clients, warmupTime);
            warmup.allocations += warmupChurn.allocations;
            for (int round = 0; round < warmupRounds; round++) {
                burst(context, http, target, requests, warmup);
            }
            for (int round = 0; round < rounds; round++) {
                long busyBefore = bursts.busyAnswers;
                long errorsBefore = bursts.errors;
                burst(context, http, target, requests, bursts);
                System.out.printf(
                        Locale.ROOT,
                        "round %d: %d allocated, %d busy, %d errors in %.0f ms%n",
                        round + 1,
                        bursts.allocatedPerRound.get(bursts.allocatedPerRound.size() - 1),
                        bursts.busyAnswers - busyBefore,
                        bursts.errors - errorsBefore,
                        bursts.roundMicros.get(bursts.roundMicros.size() - 1) / 1000.0);
            }
            churn = churn(context, http, target, clients, churnTime);
            System.out.printf(
                    Locale.ROOT,
                    "churn: %d allocations, %d busy, %d errors in %.1f s%n",
                    churn.allocations,
                    churn.busyAnswers,
                    churn.errors,
                    churn.seconds());
            onlineAtEnd =
                    (int) agents.stream().filter(AgentConnection::isConnected).count();
            checks = check(database, deployments);
        } finally {
            retireAll(api, admin, deployments);
            agents.forEach(AgentConnection::close);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            agentsVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        long answered = warmup.allocations + bursts.allocations + churn.allocations;

        new Table(String.format(
                        Locale.ROOT,
                        "Allocation throughput, bursts: %d rounds of %d requests at once over %d deployments"
                                + " (warmed up by %d s of churn and %d round(s))",
                        rounds,
                        requests,
                        deployments.size(),
                        warmupTime.toSeconds(),
                        warmupRounds))
                .row(
                        "requests answered",
                        String.format(
                                Locale.ROOT,
                                "%.0f/s (%d in %.2f s of rounds)",
                                bursts.requests() / bursts.seconds(),
                                bursts.requests(),
                                bursts.seconds()))
                .row(
                        "allocated per round",
                        String.format(
                                Locale.ROOT,
                                "%s (%d deployments)",
                                range(bursts.allocatedPerRound),
                                deployments.size()))
                .row(
                        "allocations",
                        String.format(
                                Locale.ROOT,
                                "%.1f/s (%d); busy answers %d",
                                bursts.allocations / bursts.seconds(),
                                bursts.allocations,
                                bursts.busyAnswers))
                .row("errors", errors(bursts))
                .row("latency, every request", percentiles(bursts.all))
                .row("latency, allocated", percentiles(bursts.allocated))
                .row("latency, busy", percentiles(bursts.busy))
                .row("round, first sent to last answered", roundTimes(bursts.roundMicros))
                .row("release", percentiles(bursts.released) + ", " + bursts.releaseErrors + " failed")
                .row("deployment handed twice in a round", bursts.handedTwice + " (goal 0)")
                .print();
        new Table(String.format(
                        Locale.ROOT,
                        "Allocation throughput, churn: %d callers for %d s, each releasing at once what it was given",
                        clients,
                        churnTime.toSeconds()))
                .row(
                        "allocations",
                        String.format(
                                Locale.ROOT,
                                "%.0f/s (%d in %.2f s)",
                                churn.allocations / churn.seconds(),
                                churn.allocations,
                                churn.seconds()))
                .row(
                        "requests answered",
                        String.format(
                                Locale.ROOT,
                                "%.0f/s, of them busy %d",
                                churn.requests() / churn.seconds(),
                                churn.busyAnswers))
                .row("errors", errors(churn))
                .row("latency, allocated", percentiles(churn.allocated))
                .row("latency, busy", percentiles(churn.busy))
                .row("release", percentiles(churn.released) + ", " + churn.releaseErrors + " failed")
                .print();
        new Table("Allocation throughput: double allocations, checked afterwards in the holdings of database "
                        + database)
                .row("deployments with two open holdings (all)", checks.doublyOpen() + " (goal 0)")
                .row("overlapping holdings of one deployment (all)", checks.overlappingAll() + " pairs (goal 0)")
                .row(
                        "overlapping holdings of one deployment (this run's)",
                        checks.overlapping() == 0
                                ? "0 pairs (goal 0)"
                                : String.format(
                                        Locale.ROOT,
                                        "%d pairs (goal 0), the largest overlap %.3f ms",
                                        checks.overlapping(),
                                        checks.largestOverlapMs()))
                .row(
                        "holdings of the run's deployments",
                        String.format(Locale.ROOT, "%d (allocations answered: %d)", checks.holdings(), answered))
                .row("left open after the run", Long.toString(checks.leftOpen()))
                .row(
                        "agents still connected at the end",
                        String.format(Locale.ROOT, "%d of %d", onlineAtEnd, agents.size()))
                .print();
        // The issue sets no rate: the rates and latencies are reported; the goal is that nothing is allocated twice.
        List<Goal> goals = List.of(
                Goal.measured("bursts: requests answered", bursts.requests() / bursts.seconds(), "/s"),
                Goal.measured("bursts: p99 of every request", bursts.all.getValueAtPercentile(99) / 1000.0, "ms"),
                Goal.measured("churn: allocations", churn.allocations / churn.seconds(), "/s"),
                Goal.measured("churn: p99 of the allocated", churn.allocated.getValueAtPercentile(99) / 1000.0, "ms"),
                Goal.atMost(
                        "double allocations (handed twice in a round, two open holdings, overlapping holdings)",
                        bursts.handedTwice + checks.doublyOpen() + checks.overlappingAll(),
                        0,
                        ""));
        Goal.print("Allocation throughput against its goal", goals);

        Files.createDirectories(results);
        Path out = results.resolve(
                "allocation-throughput-" + Instant.now().toString().replace(':', '-') + ".json");
        JsonObject json = new JsonObject()
                .put("benchmark", "allocation-throughput")
                .put("deployments", deployments.size())
                .put(
                        "bursts",
                        summary(bursts)
                                .put("rounds", rounds)
                                .put("warmup_rounds", warmupRounds)
                                .put("warmup_seconds", warmupTime.toSeconds())
                                .put("requests_per_round", requests)
                                .put("allocated_per_round", new JsonArray(new ArrayList<>(bursts.allocatedPerRound)))
                                .put(
                                        "round_ms",
                                        new JsonArray(bursts.roundMicros.stream()
                                                .map(micros -> micros / 1000.0)
                                                .toList()))
                                .put("handed_twice_in_a_round", bursts.handedTwice))
                .put("churn", summary(churn).put("clients", clients))
                .put(
                        "checks",
                        new JsonObject()
                                .put("database", database)
                                .put("deployments_with_two_open_holdings", checks.doublyOpen())
                                .put("overlapping_holding_pairs_all", checks.overlappingAll())
                                .put("overlapping_holding_pairs", checks.overlapping())
                                .put("largest_overlap_ms", checks.largestOverlapMs())
                                .put("holdings", checks.holdings())
                                .put("allocations_answered", answered)
                                .put("left_open", checks.leftOpen())
                                .put("agents_connected_at_end", onlineAtEnd))
                .put("goals", Goal.json(goals));
        Files.writeString(out, json.encode() + "\n");
        System.out.println("results: " + out);
    }

    /** One round: every request sent at once; when all are answered, the holdings are released. */
    private static void burst(Context context, HttpClient http, Target target, int requests, Tally tally)
            throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            long start = System.nanoTime();
            List<Future<Answer>> answers = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                answers.add(allocate(http, target));
            }
            Future.join(answers).onComplete(all -> {
                long elapsed = System.nanoTime() - start;
                tally.nanos += elapsed;
                tally.roundMicros.add(TimeUnit.NANOSECONDS.toMicros(elapsed));
                Set<String> handed = new HashSet<>();
                List<Future<Void>> releases = new ArrayList<>();
                int allocated = 0;
                for (Future<Answer> answered : answers) {
                    Answer answer = answered.result();
                    tally.record(answer);
                    if (answer.kind() == Kind.ALLOCATED) {
                        allocated++;
                        if (!handed.add(answer.deployment())) {
                            tally.handedTwice++;
                        }
                        releases.add(release(http, target, answer.holding(), tally));
                    }
                }
                tally.allocatedPerRound.add(allocated);
                Future.join(releases).onComplete(released -> done.complete(null));
            });
        });
        done.get(GIVE_UP.toSeconds(), TimeUnit.SECONDS);
    }

    /** {@code clients} callers until the time is up, each allocating and releasing what it is given at once. */
    private static Tally churn(Context context, HttpClient http, Target target, int clients, Duration duration)
            throws Exception {
        Tally tally = new Tally();
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            int[] running = {clients};
            for (int i = 0; i < clients; i++) {
                cycle(http, target, end, tally, () -> {
                    if (--running[0] == 0) {
                        tally.nanos = System.nanoTime() - start;
                        done.complete(null);
                    }
                });
            }
        });
        done.get(duration.plus(GIVE_UP).toSeconds(), TimeUnit.SECONDS);
        return tally;
    }

    private static void cycle(HttpClient http, Target target, long end, Tally tally, Runnable finished) {
        if (System.nanoTime() >= end) {
            finished.run();
            return;
        }
        allocate(http, target).onComplete(answered -> {
            Answer answer = answered.result();
            tally.record(answer);
            if (answer.kind() == Kind.ALLOCATED) {
                release(http, target, answer.holding(), tally)
                        .onComplete(released -> cycle(http, target, end, tally, finished));
            } else {
                cycle(http, target, end, tally, finished);
            }
        });
    }

    /** An allocation for a user of its own, without a reservation; never fails: a failure is an error answer. */
    private static Future<Answer> allocate(HttpClient http, Target target) {
        long started = System.nanoTime();
        String user = UUID.randomUUID().toString();
        Buffer body = Buffer.buffer(new JsonObject()
                .put("user", user)
                .put("username", "bench-" + user.substring(0, 8))
                .put("type", target.type())
                .put("reserve", false)
                .encode());
        return http.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost(target.host())
                        .setPort(target.port())
                        .setURI("/internal/allocations")
                        .putHeader("Authorization", target.service())
                        .putHeader("Content-Type", "application/json"))
                .compose(request -> request.send(body))
                .compose(response -> response.body()
                        .map(answer -> classify(response.statusCode(), answer.toString(), micros(started))))
                .otherwise(failure -> new Answer(Kind.ERROR, null, null, micros(started), failure.toString()));
    }

    private static Answer classify(int status, String body, long micros) {
        try {
            JsonObject json = new JsonObject(body);
            if (status == 200 && "allocated".equals(json.getString("outcome"))) {
                return new Answer(Kind.ALLOCATED, json.getString("id"), json.getString("deployment"), micros, null);
            }
            if (status == 503 && BUSY.equals(json.getString("result_message"))) {
                return new Answer(Kind.BUSY, null, null, micros, null);
            }
        } catch (RuntimeException notJson) {
            // an error answer, below
        }
        return new Answer(Kind.ERROR, null, null, micros, "status " + status + ": " + abbreviate(body));
    }

    /** Releases the holding; its latency and any failure go into the tally. Never fails. */
    private static Future<Void> release(HttpClient http, Target target, String holding, Tally tally) {
        long started = System.nanoTime();
        return http.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost(target.host())
                        .setPort(target.port())
                        .setURI("/internal/holdings/" + holding + "/release")
                        .putHeader("Authorization", target.service()))
                .compose(request -> request.send())
                .compose(response -> response.body()
                        .map(body ->
                                response.statusCode() == 200 && new JsonObject(body).getBoolean("released", false)))
                .otherwise(false)
                .map(released -> {
                    tally.released.recordValue(clamp(tally.released, micros(started)));
                    if (!released) {
                        tally.releaseErrors++;
                    }
                    return null;
                });
    }

    /** Makes the workspace type with the admin's token; one there already is as good. */
    private static void ensureType(String api, String admin, String type) throws Exception {
        HttpResponse<String> answer = send(
                "POST",
                api + "/workspaces",
                admin,
                new JsonObject().put("name", type).put("desc", "the allocation throughput benchmark's"));
        if (answer.statusCode() != 200 && answer.statusCode() != 409) {
            throw new IllegalStateException("POST /workspaces answered " + answer.statusCode() + ": " + answer.body());
        }
    }

    /** The deployments of the type in service. */
    private static List<String> listed(String api, String type) throws Exception {
        HttpResponse<String> answer = send("GET", api + "/deployments/" + type, null, null);
        if (answer.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET /deployments/" + type + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return new JsonObject(answer.body())
                .getJsonArray("workspace_deployments").stream()
                        .map(Object::toString)
                        .toList();
    }

    /** Retires the deployments (as the admin, who manages every one); answers how many were. */
    private static int retireAll(String api, String admin, List<String> deployments) throws Exception {
        int retired = 0;
        for (String id : deployments) {
            HttpResponse<String> answer = send("DELETE", api + "/deployment/" + id, admin, null);
            if (answer.statusCode() == 200) {
                retired++;
            } else {
                System.out.println("DELETE /deployment/" + id + " answered " + answer.statusCode() + ": "
                        + abbreviate(answer.body()));
            }
        }
        return retired;
    }

    private static String createDeployment(String api, String owner, String type, String host) throws Exception {
        HttpResponse<String> answer = send(
                "POST",
                api + "/deployments",
                owner,
                new JsonObject()
                        .put("type", type)
                        .put("host", host)
                        .put("region", "bench")
                        .put("desc", "allocation throughput benchmark"));
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /deployments answered " + answer.statusCode() + ": " + answer.body());
        }
        return new JsonObject(answer.body()).getString("id");
    }

    /**
     * Waits until every deployment is online (its device's agent connected and in presence), asking each in turn
     * until it says so; answers the nanoseconds it took.
     */
    private static long awaitOnline(String api, String owner, List<String> deployments) throws Exception {
        long start = System.nanoTime();
        long deadline = start + GIVE_UP.toNanos();
        for (String id : deployments) {
            while (true) {
                HttpResponse<String> answer = send("GET", api + "/deployment/" + id, owner, null);
                if (answer.statusCode() == 200 && new JsonObject(answer.body()).getBoolean("online", false)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("deployment " + id + " is not online after " + GIVE_UP.toSeconds()
                            + " s: " + answer.body());
                }
                Thread.sleep(5);
            }
        }
        return System.nanoTime() - start;
    }

    /**
     * The database's view of the holdings, as the services' role sees it: the two checks over every holding there (as
     * {@code docs/benchmarks.md} gives them), the overlaps among the run's own deployments and the largest, the run's
     * holdings and those left open.
     */
    private static Checks check(String database, List<String> deployments) throws Exception {
        String ours = deployments.stream().map(id -> "'" + id + "'").collect(Collectors.joining(",", "(", ")"));
        String overlaps = "FROM workspaces.holdings a JOIN workspaces.holdings b ON a.deployment_id = b.deployment_id"
                + " AND a.id < b.id AND tstzrange(a.started_at, COALESCE(a.ended_at, 'infinity'))"
                + " && tstzrange(b.started_at, COALESCE(b.ended_at, 'infinity'))";
        String[] found = psql(
                        database,
                        "SELECT (SELECT count(*) FROM (SELECT deployment_id FROM workspaces.holdings"
                                + " WHERE ended_at IS NULL GROUP BY 1 HAVING count(*) > 1) doubly),"
                                + " (SELECT count(*) " + overlaps + "),"
                                + " (SELECT count(*) " + overlaps + " WHERE a.deployment_id IN " + ours + "),"
                                + " (SELECT COALESCE(max(extract(epoch FROM LEAST(COALESCE(a.ended_at, now()),"
                                + " COALESCE(b.ended_at, now())) - GREATEST(a.started_at, b.started_at))) * 1000, 0) "
                                + overlaps + " WHERE a.deployment_id IN " + ours + "),"
                                + " (SELECT count(*) FROM workspaces.holdings WHERE deployment_id IN " + ours + "),"
                                + " (SELECT count(*) FROM workspaces.holdings WHERE ended_at IS NULL"
                                + " AND deployment_id IN " + ours + ")")
                .split("\\|");
        return new Checks(
                Long.parseLong(found[0]),
                Long.parseLong(found[1]),
                Long.parseLong(found[2]),
                Double.parseDouble(found[3]),
                Long.parseLong(found[4]),
                Long.parseLong(found[5]));
    }

    /** One query's one row, fields separated by {@code |}, through psql as the services' role (lib.sh's defaults). */
    private static String psql(String database, String sql) throws IOException, InterruptedException {
        String user = System.getenv().getOrDefault("PG_USER", "rigfleet");
        ProcessBuilder builder = new ProcessBuilder(
                        "psql", "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-U", user, "-d", database, "-c", sql)
                .redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", System.getenv().getOrDefault("PG_PASSWORD", "rigfleet"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("psql failed: " + output);
        }
        return output;
    }

    private static HttpResponse<String> send(String method, String url, String token, JsonObject body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body.encode()));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return SETUP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject summary(Tally tally) {
        return new JsonObject()
                .put("seconds", tally.seconds())
                .put("requests", tally.requests())
                .put("requests_per_second", tally.requests() / tally.seconds())
                .put("allocations", tally.allocations)
                .put("allocations_per_second", tally.allocations / tally.seconds())
                .put("busy", tally.busyAnswers)
                .put("errors", tally.errors)
                .put("first_error", tally.firstError)
                .put("release_errors", tally.releaseErrors)
                .put("latency_ms", latencies(tally.all))
                .put("allocated_latency_ms", latencies(tally.allocated))
                .put("busy_latency_ms", latencies(tally.busy))
                .put("release_latency_ms", latencies(tally.released));
    }

    private static JsonObject latencies(Histogram histogram) {
        return new JsonObject()
                .put("count", histogram.getTotalCount())
                .put("p50", histogram.getValueAtPercentile(50) / 1000.0)
                .put("p90", histogram.getValueAtPercentile(90) / 1000.0)
                .put("p99", histogram.getValueAtPercentile(99) / 1000.0)
                .put("max", histogram.getMaxValue() / 1000.0);
    }

    private static String percentiles(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return "none";
        }
        return String.format(
                Locale.ROOT,
                "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d)",
                histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(90) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0,
                histogram.getMaxValue() / 1000.0,
                histogram.getTotalCount());
    }

    private static String errors(Tally tally) {
        return tally.errors == 0 ? "0" : tally.errors + ", the first: " + tally.firstError;
    }

    private static String range(List<Integer> values) {
        int min = values.stream().mapToInt(Integer::intValue).min().orElse(0);
        int max = values.stream().mapToInt(Integer::intValue).max().orElse(0);
        return min == max ? Integer.toString(min) : min + "-" + max;
    }

    private static String roundTimes(List<Long> micros) {
        double[] ms = micros.stream().mapToDouble(value -> value / 1000.0).toArray();
        double max = micros.stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0;
        return String.format(Locale.ROOT, "median %.0f ms, max %.0f ms", AgentFootprint.median(ms), max);
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    }

    private static long clamp(Histogram histogram, long micros) {
        return Math.min(histogram.getHighestTrackableValue(), micros);
    }

    private static long micros(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos);
    }

    private static String abbreviate(String body) {
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
