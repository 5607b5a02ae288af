package dev.rigfleet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Benchmark 9, instance copy: OpenSSH's {@code scp} of a {@code --megabytes} (100) file to one READY instance of the
 * demo deployment and back, through {@code fwd} (client → the tunnel's port on the coordinator → the coordinator →
 * the agent's link → the agent → the instance's SSH server) against the same copy made directly to that SSH server's
 * port on the device's loopback interface, in the same run. Both with the instance's key and its host key checked.
 * The direct port is found as a user on the device would: the ports the agent process listens on ({@code ss -ltnp},
 * its pid from {@code --agent-pid-file}) whose server speaks SSH and offers the instance's host key ({@code
 * ssh-keyscan}). Each copy's rate is the file's size over the {@code scp} process's whole run (its SSH handshake
 * included, a few ms). One warm-up copy each way on each path, then {@code --runs} (3) rounds of direct and fwd
 * alternating, each an upload then a download; medians.
 *
 * <p>Usage: {@code InstanceCopy [--megabytes 100] [--runs 3] [--api http://127.0.0.1:8080] [--token-file F]
 * [--deployment-file F] [--agent-pid-file F] [--results DIR]}; expects a running platform ({@code make run}) with
 * the demo agent online and its deployment free.
 */
public final class InstanceCopy {

    private InstanceCopy() {}

    public static void main(String[] args) throws Exception {
        int megabytes = Args.integer(args, "--megabytes", 100);
        int runs = Args.integer(args, "--runs", 3);
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String api = Args.string(args, "--api", "http://127.0.0.1:8080");
        String token = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        String deployment = Files.readString(Path.of(Args.string(args, "--deployment-file", ".run/deployment-id")))
                .trim();
        long agentPid =
                Long.parseLong(Files.readString(Path.of(Args.string(args, "--agent-pid-file", ".run/pids/agent.pid")))
                        .trim());

        InstanceStartup.awaitFree(api, deployment, 50);
        InstanceStartup.Instance instance = InstanceStartup.create(api, token, deployment, 50);
        String remote = "/tmp/rigfleet-bench-copy-" + instance.id();
        double[][] rates = new double[4][runs]; // direct put, fwd put, direct get, fwd get
        int devicePort;
        try {
            awaitLogin(instance);
            devicePort = devicePort(agentPid, instance.hostKey());
            // The same server at its own address, under the same host key.
            Files.writeString(
                    instance.knownHosts(),
                    "[127.0.0.1]:" + devicePort + " " + instance.hostKey() + "\n",
                    StandardOpenOption.APPEND);
            System.out.printf(
                    Locale.ROOT,
                    "instance %s: fwd %s:%d, its SSH server on the device at 127.0.0.1:%d%n",
                    instance.id(),
                    instance.host(),
                    instance.port(),
                    devicePort);
            Path file = instance.dir().resolve("payload");
            byte[] chunk = new byte[1024 * 1024];
            Random random = new Random(9);
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int i = 0; i < megabytes; i++) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                }
            }
            Path back = instance.dir().resolve("fetched");
            Copy direct = new Copy(instance, "127.0.0.1", devicePort, file, back, remote, megabytes);
            Copy fwd = new Copy(instance, instance.host(), instance.port(), file, back, remote, megabytes);
            // Warm-up of both paths and both directions.
            direct.put();
            direct.get();
            fwd.put();
            fwd.get();
            for (int run = 0; run < runs; run++) {
                rates[0][run] = direct.put();
                rates[1][run] = fwd.put();
                rates[2][run] = direct.get();
                rates[3][run] = fwd.get();
                System.out.printf(
                        Locale.ROOT,
                        "run %d: upload direct %.1f MB/s, fwd %.1f MB/s; download direct %.1f MB/s, fwd %.1f MB/s%n",
                        run + 1,
                        rates[0][run],
                        rates[1][run],
                        rates[2][run],
                        rates[3][run]);
            }
            InstanceStartup.run(instance.ssh("rm -f " + remote));
        } finally {
            InstanceStartup.terminate(api, token, instance.id());
            InstanceStartup.awaitFree(api, deployment, 50);
            InstanceStartup.delete(instance.dir());
        }

        double[] medians = new double[4];
        for (int i = 0; i < 4; i++) {
            medians[i] = AgentFootprint.median(rates[i]);
        }
        new Table(String.format(
                        Locale.ROOT,
                        "Instance copy: scp of %d MB through fwd and directly to the instance's SSH server, median"
                                + " of %d (MB/s)",
                        megabytes,
                        runs))
                .row("upload (scp file root@…:/tmp)", row(medians[0], medians[1]))
                .row("download (scp root@…:/tmp/file .)", row(medians[2], medians[3]))
                .print();
        // No goal is set for a copy: its figures are reported against the same copy made directly.
        List<Goal> goals = List.of(
                Goal.measured("upload through fwd", medians[1], "MB/s"),
                Goal.measured("upload through fwd, share of direct", 100 * medians[1] / medians[0], "%"),
                Goal.measured("download through fwd", medians[3], "MB/s"),
                Goal.measured("download through fwd, share of direct", 100 * medians[3] / medians[2], "%"));
        Goal.print("Instance copy (no goal set)", goals);
        Files.createDirectories(results);
        Path out = results.resolve("instance-copy-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"instance-copy\",\"megabytes\":%d,\"runs\":%d,\"results\":["
                                + "{\"direction\":\"upload\",\"direct_mb_s\":%.1f,\"fwd_mb_s\":%.1f,\"share\":%.4f},"
                                + "{\"direction\":\"download\",\"direct_mb_s\":%.1f,\"fwd_mb_s\":%.1f,\"share\":%.4f}],"
                                + "\"goals\":%s}%n",
                        megabytes,
                        runs,
                        medians[0],
                        medians[1],
                        medians[1] / medians[0],
                        medians[2],
                        medians[3],
                        medians[3] / medians[2],
                        Goal.json(goals).encode()));
        System.out.println("results: " + out);
    }

    private static String row(double direct, double fwd) {
        return String.format(
                Locale.ROOT, "direct %.1f, fwd %.1f: fwd %.1f %% of direct", direct, fwd, 100 * fwd / direct);
    }

    /** One path's scp, each way; answers MB/s. */
    private record Copy(
            InstanceStartup.Instance instance, String host, int port, Path file, Path back, String remote, int mb) {

        double put() throws Exception {
            return copy(file.toString(), "root@" + host + ":" + remote, file);
        }

        double get() throws Exception {
            Files.deleteIfExists(back);
            return copy("root@" + host + ":" + remote, back.toString(), back);
        }

        private double copy(String from, String to, Path local) throws Exception {
            List<String> line = new ArrayList<>(List.of("scp", "-q"));
            line.addAll(instance.options());
            line.addAll(List.of("-P", Integer.toString(port), from, to));
            long began = System.nanoTime();
            InstanceStartup.Result result = InstanceStartup.run(line);
            double seconds = InstanceStartup.ms(began) / 1000;
            if (result.status() != 0) {
                throw new IllegalStateException("scp to port " + port + " failed: " + result.output());
            }
            if (Files.size(local) != (long) mb << 20) {
                throw new IllegalStateException(local + " holds " + Files.size(local) + " bytes after the copy");
            }
            return mb / seconds;
        }
    }

    /** Until {@code ssh echo ok} through fwd answers, as a user would wait before copying. */
    private static void awaitLogin(InstanceStartup.Instance instance) throws Exception {
        long began = System.nanoTime();
        while (true) {
            InstanceStartup.Result result = InstanceStartup.run(instance.ssh("echo ok"));
            if (result.status() == 0 && result.output().equals("ok\n")) {
                return;
            }
            if (InstanceStartup.ms(began) > InstanceStartup.GIVE_UP.toMillis()) {
                throw new IllegalStateException("no ssh login through fwd: " + result);
            }
        }
    }

    /** The loopback port the agent process listens on whose SSH server offers {@code hostKey}. */
    static int devicePort(long agentPid, String hostKey) throws Exception {
        InstanceStartup.Result listening = InstanceStartup.run(List.of("ss", "-H", "-l", "-t", "-n", "-p"));
        List<Integer> candidates = new ArrayList<>();
        for (String line : listening.output().split("\n")) {
            // State, Recv-Q, Send-Q, the local address (127.0.0.1:p, [::ffff:127.0.0.1]:p, *:p), the peer, users.
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 5 && line.contains("pid=" + agentPid + ",")) {
                String local = fields[3];
                candidates.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1)));
            }
        }
        String type = hostKey.split(" ")[0];
        for (int port : candidates) {
            if (!speaksSsh(port)) {
                continue; // the agent's HTTP APIs
            }
            InstanceStartup.Result scanned = InstanceStartup.run(
                    List.of("ssh-keyscan", "-T", "2", "-t", type, "-p", Integer.toString(port), "127.0.0.1"));
            for (String line : scanned.output().split("\n")) {
                if (line.endsWith(" " + hostKey)) {
                    return port;
                }
            }
        }
        throw new IllegalStateException("no port of the agent (pid " + agentPid + ", listening on " + candidates
                + ") offers the instance's host key " + hostKey);
    }

    /** Whether the server on the port greets with an SSH identification string, as SSH servers do at once. */
    private static boolean speaksSsh(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(1000);
            InputStream in = socket.getInputStream();
            byte[] greeting = in.readNBytes(4);
            return new String(greeting, StandardCharsets.US_ASCII).equals("SSH-");
        } catch (IOException e) {
            return false;
        }
    }
}
