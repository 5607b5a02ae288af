package dev.rigfleet.bench;

import io.vertx.core.Vertx;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Benchmark 4, tunnel throughput: bytes per second through a coordinator tunnel ({@code POST /internal/tunnels}) to
 * an echo server on the demo device's loopback interface — client → tunnel port → coordinator → the agent's
 * WebSocket (through the entry proxy, as agents dial in) → agent → echo server, and back the same way — against a
 * direct loopback TCP connection to the same echo server, in the same run. Each transfer writes {@code --megabytes}
 * over {@code --streams} connections at once and reads the echo back; its rate is the payload over the time until the
 * last byte returned. Direct and tunnel alternate, {@code --runs} times each after one warm-up transfer; medians.
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
        StringBuilder json = new StringBuilder();
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
                double[] tunnelled = new double[runs];
                for (int run = 0; run < runs; run++) {
                    direct[run] = transfer("127.0.0.1", echo.actualPort(), bytes, parallel);
                    tunnelled[run] = transfer(tunnel.getString("host"), tunnel.getInteger("port"), bytes, parallel);
                    System.out.printf(
                            Locale.ROOT,
                            "%d stream(s), run %d: direct %.0f MB/s, tunnel %.0f MB/s%n",
                            parallel,
                            run + 1,
                            direct[run],
                            tunnelled[run]);
                }
                double directMedian = AgentFootprint.median(direct);
                double tunnelMedian = AgentFootprint.median(tunnelled);
                table.row(
                        parallel + " stream(s)",
                        String.format(
                                Locale.ROOT,
                                "direct %.0f, tunnel %.0f: %.1f %% of direct (goal >= 50 %%)",
                                directMedian,
                                tunnelMedian,
                                100 * tunnelMedian / directMedian));
                json.append(json.isEmpty() ? "" : ",")
                        .append(String.format(
                                Locale.ROOT,
                                "{\"streams\":%d,\"direct_mb_s\":%.1f,\"tunnel_mb_s\":%.1f,\"share\":%.4f}",
                                parallel,
                                directMedian,
                                tunnelMedian,
                                tunnelMedian / directMedian));
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
        Files.createDirectories(results);
        Path out =
                results.resolve("tunnel-throughput-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"tunnel-throughput\",\"megabytes\":%d,\"runs\":%d,\"results\":[%s]}%n",
                        bytes >> 20,
                        runs,
                        json));
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

    /** Echoes {@code bytes} over {@code streams} connections at once; answers MB/s of payload. */
    private static double transfer(String host, int port, long bytes, int streams) throws Exception {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        long began = System.nanoTime();
        for (int i = 0; i < streams; i++) {
            long share = bytes / streams;
            done.add(CompletableFuture.runAsync(() -> echo(host, port, share), THREADS));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
        return bytes / ((System.nanoTime() - began) / 1e9) / (1024 * 1024);
    }

    /** Writes on one thread and reads the echo on this one, so that neither direction waits for the other. */
    private static void echo(String host, int port, long bytes) {
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
            long received = 0;
            while (received < bytes) {
                int read = in.read(buffer);
                if (read < 0) {
                    throw new IllegalStateException(
                            host + ":" + port + " closed after echoing " + received + " of " + bytes + " bytes");
                }
                received += read;
            }
            written.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
