package dev.rigfleet.bench;

import dev.rigfleet.agent.link.AgentConnection;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 6, revocation and deprovisioning reach. Revocation: how long after {@code POST /revoke/<sha256>} is sent
 * to the workspaces service the registry and the coordinator refuse the token. Each round mints a fresh token, checks
 * that both services take it, revokes it, and asks both services again and again (one request at a time, each a
 * loopback round trip of about a millisecond, which is the resolution) until both answer 401. Deprovisioning: how
 * long after {@code POST /devices/<uuid>/deprovision} is sent to the registry the coordinator drops the device's
 * agent (a simulated agent in this process, the real agent's connection code, connected to the coordinator
 * directly); each round enrols one device of its own, connects it, deprovisions it and watches the connection
 * (every 0.1 ms) until it is closed.
 *
 * <p>Usage: {@code RevocationReach [--rounds N] [--deprovision-rounds N] [--results DIR]}; expects a running platform
 * ({@code make run}).
 */
public final class RevocationReach {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration GIVE_UP = Duration.ofSeconds(10);

    private RevocationReach() {}

    public static void main(String[] args) throws Exception {
        int rounds = Args.integer(args, "--rounds", 200);
        int deprovisionRounds = Args.integer(args, "--deprovision-rounds", 100);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String workspaces = Args.string(args, "--workspaces", "http://127.0.0.1:8081");
        String registry = Args.string(args, "--registry", "http://127.0.0.1:8083");
        String coordinator = Args.string(args, "--coordinator", "http://127.0.0.1:8084");
        // A route of each service that needs a user token and does little else.
        List<String> refusers =
                List.of(registry + "/fleets", coordinator + "/api/v2/workspaceagents/00000000000000000000000000000000");
        String admin = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();

        Reach revocation = revocationReach(rounds, workspaces, refusers, admin);
        Reach deprovisioning = deprovisioningReach(deprovisionRounds, registry, coordinator, admin);
        revocation.print("Revocation reach: POST /revoke sent -> registry and coordinator refuse");
        deprovisioning.print(
                "Deprovisioning reach: POST /devices/<uuid>/deprovision sent -> the coordinator drops" + " the agent");
        List<Goal> goals = List.of(
                Goal.atMost("revocation reach, p99", revocation.p99Ms(), 1000, "ms"),
                Goal.atMost("deprovisioning reach, p99", deprovisioning.p99Ms(), 1000, "ms"));
        Goal.print("Revocation and deprovisioning reach against their goals", goals);
        Files.createDirectories(results);
        Path out =
                results.resolve("revocation-reach-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                "{\"benchmark\":\"revocation-reach\",\"revocation\":" + revocation.json() + ",\"deprovisioning\":"
                        + deprovisioning.json() + ",\"goals\":"
                        + Goal.json(goals).encode() + "}\n");
        System.out.println("results: " + out);
    }

    /** Reach times of one kind, in microseconds, and the rounds not reached within {@link #GIVE_UP}. */
    private record Reach(int rounds, Histogram times, int missed) {

        void print(String title) {
            new Table(title + " (" + rounds + " rounds)")
                    .row("p50", ms(times, 50))
                    .row("p90", ms(times, 90))
                    .row("p99", ms(times, 99))
                    .row("max", String.format(Locale.ROOT, "%.1f ms", times.getMaxValue() / 1000.0))
                    .row("not reached within " + GIVE_UP.toSeconds() + " s", Integer.toString(missed))
                    .print();
        }

        double p99Ms() {
            return times.getValueAtPercentile(99) / 1000.0;
        }

        String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"rounds\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"missed\":%d}",
                    rounds,
                    times.getValueAtPercentile(50) / 1000.0,
                    times.getValueAtPercentile(90) / 1000.0,
                    times.getValueAtPercentile(99) / 1000.0,
                    times.getMaxValue() / 1000.0,
                    missed);
        }
    }

    private static Reach revocationReach(int rounds, String workspaces, List<String> refusers, String admin)
            throws Exception {
        Histogram reach = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        int missed = 0;
        for (int round = 0; round < rounds; round++) {
            String token = mint(workspaces, admin);
            for (String url : refusers) {
                if (status(url, token) == 401) {
                    throw new IllegalStateException(url + " refuses a fresh token");
                }
            }
            long revoked = revoke(workspaces, token);
            long refusedByAll = revoked;
            for (String url : refusers) {
                long deadline = revoked + GIVE_UP.toNanos();
                int status;
                do {
                    status = status(url, token);
                } while (status != 401 && System.nanoTime() < deadline);
                refusedByAll = Math.max(refusedByAll, System.nanoTime());
                if (status != 401) {
                    missed++;
                }
            }
            reach.recordValue(TimeUnit.NANOSECONDS.toMicros(refusedByAll - revoked));
        }
        return new Reach(rounds, reach, missed);
    }

    private static Reach deprovisioningReach(int rounds, String registry, String coordinator, String admin)
            throws Exception {
        Histogram reach = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        int missed = 0;
        List<Enrolment.Device> devices = Enrolment.enrol(registry, admin, "bench-deprovisioning", rounds);
        URI server = URI.create(coordinator.replaceFirst("^http", "ws"));
        Vertx vertx = Vertx.vertx();
        try {
            for (Enrolment.Device device : devices) {
                AgentConnection agent = SimulatedAgents.connect(vertx, server, device);
                try {
                    long connectBy = System.nanoTime() + GIVE_UP.toNanos();
                    while (!agent.isConnected()) {
                        if (System.nanoTime() > connectBy) {
                            throw new IllegalStateException("device " + device.uuid() + " did not connect");
                        }
                        Thread.sleep(1);
                    }
                    long sent = System.nanoTime();
                    Enrolment.call(
                            registry + "/devices/" + device.uuid() + "/deprovision", admin, new JsonObject(), 200);
                    long deadline = sent + GIVE_UP.toNanos();
                    while (agent.isConnected() && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(100_000);
                    }
                    if (agent.isConnected()) {
                        missed++;
                    }
                    reach.recordValue(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sent));
                } finally {
                    agent.close();
                }
            }
        } finally {
            vertx.close();
        }
        return new Reach(rounds, reach, missed);
    }

    /** A fresh token of the admin's, minted with the admin's token as POST /token allows. */
    private static String mint(String workspaces, String admin) throws Exception {
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(URI.create(workspaces + "/token"))
                        .header("Authorization", "Bearer " + admin)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /token answered " + answer.statusCode() + ": " + answer.body());
        }
        String body = answer.body();
        int start = body.indexOf("\"token\":\"") + "\"token\":\"".length();
        return body.substring(start, body.indexOf('"', start));
    }

    /** Revokes the token; answers the moment the request was sent (the reach counts from there, conservatively). */
    private static long revoke(String workspaces, String token) throws Exception {
        String sha256 = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        long sent = System.nanoTime();
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(URI.create(workspaces + "/revoke/" + sha256))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /revoke answered " + answer.statusCode() + ": " + answer.body());
        }
        return sent;
    }

    private static int status(String url, String token) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String ms(Histogram histogram, double percentile) {
        return String.format(Locale.ROOT, "%.1f ms", histogram.getValueAtPercentile(percentile) / 1000.0);
    }
}
