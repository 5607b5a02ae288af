package dev.rigfleet.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Benchmark 4, tunnel throughput: bytes per second through a coordinator tunnel ({@code POST /internal/tunnels}) to
 * an echo server on the demo device's loopback interface — client → tunnel port → coordinator → the agent's
 * WebSocket (through the entry proxy, as agents dial in) → agent → echo server, and back the same way — against a
 * direct loopback TCP connection to the same echo server, in the same run. Each transfer writes {@code --megabytes}
 * over {@code --streams} connections at once and reads the echo back; its rate is the payload over the time until the
 * last byte returned. Direct and tunnel alternate, {@code --runs} times each after one warm-up transfer; medians.
 * With several streams, the fairness of the tunnel too: each stream's rate while all of them ran, and the slowest
 * stream's share of its fair share (goal: at least half).
 *
 * <p>Usage: {@code TunnelThroughput [--megabytes 256] [--runs 5] [--streams 1,4] [--device-file F] [--results DIR]};
 * expects a running platform ({@code make run}) with the demo agent online.
 */
public final class TunnelThroughput {

    private static final int CHUNK = 64 * 1024;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** A thread per reader and per writer: blocking socket copies must not queue behind each other. */
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable);
        thread.setDaemon(true);
        return thread;
    });

    private TunnelThroughput() {}

    public static void main(String[] args) throws Exception {
        long bytes = Args.integer(args, "--megabytes", 256) * 1024L * 1024L;
        int runs = Args.integer(args, "--runs", 5);
        List<Integer> streams = List.of(Args.string(args, "--streams", "1,4").split(",")).stream()
                .map(Integer::parseInt)
                .toList();
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String coordinator = Args.string(args, "--coordinator", "http://127.0.0.1:8084");
        String device = Files.readString(Path.of(Args.string(args, "--device-file", ".run/device-uuid")))
                .trim();
        String instances = ServiceToken.authorization(
                Path.of(Args.string(args, "--service-key-file", ".run/keys/service.key")), "instances");

        Vertx vertx = Vertx.vertx();
        NetServer echo = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1"))
                .connectHandler(socket -> socket.pipeTo(socket))
                .listen(0)
                .toCompletionStage()
                .toCompletableFuture()
                .get();
        JsonObject tunnel = openTunnel(coordinator, instances, device, echo.actualPort());
        JsonArray json = new JsonArray();
        List<Goal> goals = new ArrayList<>();
        Table table = new Table(String.format(
                Locale.ROOT,
                "Tunnel throughput: %d MB echoed per transfer, median of %d (MB/s of payload)",
                bytes >> 20,
                runs));
        try {
            for (int parallel : streams) {
                transfer("127.0.0.1", echo.actualPort(), bytes, parallel); // warm-up of both paths
                transfer(tunnel.getString("host"), tunnel.getInteger("port"), bytes, parallel);
                double[] direct = new double[runs];
                List<Transfer> tunnelled = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    direct[run] = transfer("127.0.0.1", echo.actualPort(), bytes, parallel)
                            .rate();
                    Transfer through = transfer(tunnel.getString("host"), tunnel.getInteger("port"), bytes, parallel);
                    tunnelled.add(through);
                    System.out.printf(
                            Locale.ROOT,
                            "%d stream(s), run %d: direct %.0f MB/s, tunnel %.0f MB/s%s%n",
                            parallel,
                            run + 1,
                            direct[run],
                            through.rate(),
                            parallel == 1 ? "" : ", each stream while all ran " + through.perStreamSummary());
                }
                double directMedian = AgentFootprint.median(direct);
                double tunnelMedian = AgentFootprint.median(
                        tunnelled.stream().mapToDouble(Transfer::rate).toArray());
                table.row(
                        parallel + " stream(s)",
                        String.format(Locale.ROOT, "direct %.0f, tunnel %.0f", directMedian, tunnelMedian));
                goals.add(Goal.atLeast(
                        parallel + " stream(s): tunnel's share of direct", 100 * tunnelMedian / directMedian, 50, "%"));
                JsonObject result = new JsonObject()
                        .put("streams", parallel)
                        .put("direct_mb_s", directMedian)
                        .put("tunnel_mb_s", tunnelMedian)
                        .put("share", tunnelMedian / directMedian);
                if (parallel > 1) {
                    double slowestShare = AgentFootprint.median(tunnelled.stream()
                            .mapToDouble(Transfer::slowestShare)
                            .toArray());
                    goals.add(Goal.atLeast(
                            parallel + " streams: the slowest stream's share of its fair share",
                            100 * slowestShare,
                            50,
                            "%"));
                    result.put("slowest_stream_share", slowestShare)
                            .put(
                                    "tunnel_runs_per_stream_mb_s",
                                    new JsonArray(tunnelled.stream()
                                            .map(through -> new JsonArray(Arrays.stream(through.perStream())
                                                    .boxed()
                                                    .toList()))
                                            .toList()));
                }
                json.add(result);
            }
        } finally {
            HTTP.send(
                    HttpRequest.newBuilder(URI.create(coordinator + "/internal/tunnels/" + tunnel.getString("id")))
                            .header("Authorization", instances)
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            vertx.close();
        }
        table.print();
        Goal.print("Tunnel throughput against its goals (medians)", goals);
        Files.createDirectories(results);
        Path out =
                results.resolve("tunnel-throughput-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                new JsonObject()
                                .put("benchmark", "tunnel-throughput")
                                .put("megabytes", bytes >> 20)
                                .put("runs", runs)
                                .put("results", json)
                                .put("goals", Goal.json(goals))
                                .encode()
                        + "\n");
        System.out.println("results: " + out);
    }

    private static JsonObject openTunnel(String coordinator, String instances, String device, int port)
            throws Exception {
        HttpResponse<String> answer = HTTP.send(
                HttpRequest.newBuilder(URI.create(coordinator + "/internal/tunnels"))
                        .header("Authorization", instances)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject()
                                .put("device", device)
                                .put("port", port)
                                .encode()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 201) {
            throw new IllegalStateException(
                    "POST /internal/tunnels answered " + answer.statusCode() + ": " + answer.body());
        }
        return new JsonObject(answer.body());
    }

    /**
     * One transfer: the MB/s of payload echoed over all its streams, and each stream's MB/s over the time all of them
     * were still running (until the first one was done). A stream's fair share is the mean of those; with a fixed
     * payload per stream, rates over the whole transfer would hide a starved stream, since it ends last and sets the
     * total.
     */
    record Transfer(double rate, double[] perStream) {

        double slowestShare() {
            double fair = Arrays.stream(perStream).average().orElseThrow();
            return Arrays.stream(perStream).min().orElseThrow() / fair;
        }

        String perStreamSummary() {
            return Arrays.stream(perStream)
                            .mapToObj(rate -> String.format(Locale.ROOT, "%.0f", rate))
                            .collect(Collectors.joining(" / "))
                    + String.format(Locale.ROOT, " MB/s, the slowest %.0f %% of its fair share", 100 * slowestShare());
        }
    }

    /** Echoes {@code bytes} over {@code streams} connections at once. */
    private static Transfer transfer(String host, int port, long bytes, int streams) throws Exception {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        AtomicLong[] received = new AtomicLong[streams];
        long began = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            long share = bytes / streams;
            AtomicLong counted = new AtomicLong();
            received[i] = counted;
            done.add(CompletableFuture.runAsync(() -> echo(host, port, share, counted), THREADS));
        }
        CompletableFuture.anyOf(done.toArray(CompletableFuture[]::new)).get();
        double allRunning = (System.nanoTime() - began) / 1e9;
        double[] perStream = Arrays.stream(received)
                .mapToDouble(counted -> counted.get() / allRunning / (1024 * 1024))
                .toArray();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
        return new Transfer(bytes / ((System.nanoTime() - began) / 1e9) / (1024 * 1024), perStream);
    }

    /** Writes on one thread and reads the echo on this one, so that neither direction waits for the other. */
    private static void echo(String host, int port, long bytes, AtomicLong received) {
        try (Socket socket = new Socket(host, port)) {
            socket.setTcpNoDelay(true);
            CompletableFuture<Void> written = CompletableFuture.runAsync(
                    () -> {
                        byte[] chunk = new byte[CHUNK];
                        try {
                            OutputStream out = socket.getOutputStream();
                            for (long sent = 0; sent < bytes; sent += CHUNK) {
                                out.write(chunk, 0, (int) Math.min(CHUNK, bytes - sent));
                            }
                            out.flush();
                        } catch (IOException e) {
                            throw new IllegalStateException("writing to " + host + ":" + port + " failed", e);
                        }
                    },
                    THREADS);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[CHUNK];
            while (received.get() < bytes) {
                int read = in.read(buffer);
                if (read < 0) {
                    throw new IllegalStateException(
                            host + ":" + port + " closed after echoing " + received.get() + " of " + bytes + " bytes");
                }
                received.addAndGet(read);
            }
            written.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
