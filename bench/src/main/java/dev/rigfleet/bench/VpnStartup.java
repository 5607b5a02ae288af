package dev.rigfleet.bench;

import dev.rigfleet.common.testing.OpenVpnClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark 10, a VPN instance's start-up: how long a user waits from {@code POST /new} with {@code vpn: true} to an
 * instance on its VPN, and from {@code POST /vpn/:id} to their own machine on it. The user's machine is a network
 * namespace of the driver's joined to this machine by a veth whose machine side is {@code --vpn-address}, the
 * address the platform tells VPN clients to connect to ({@code rigfleet.instances.vpn.address}), running the real
 * {@code openvpn} client. Each run: {@code POST /new/<deployment>} with {@code {"vpn": true}}, {@code GET
 * /instance/:id} every {@code --poll-ms} (50) until READY (which the platform says only once the instance's own VPN
 * client has joined); then {@code POST /vpn/:id}, its {@code .ovpn} started on the machine, the client's log
 * watched every 10 ms for {@code Initialization Sequence Completed}, then a ping from the machine to the instance's
 * VPN address, at once again until one is answered. READY counts from just before {@code POST /new}; the client's
 * times from just before {@code POST /vpn}. Then the client stops, the instance is terminated and the deployment
 * freed. {@code --runs} (10) after {@code --warmup-runs} (1); medians and p99 by nearest rank.
 *
 * <p>Usage: {@code VpnStartup [--runs 10] [--warmup-runs 1] [--poll-ms 50] [--vpn-address 10.217.252.1] [--api
 * http://127.0.0.1:8080] [--token-file F] [--deployment-file F] [--results DIR]}; expects a platform whose demo
 * device runs instances as containers ({@code RIGFLEET_INSTANCE_RUNTIME=container make run}, with {@code
 * RIGFLEET_INSTANCES_VPN_ADDRESS} set to {@code --vpn-address}) and its deployment free; runs as root (the
 * namespace).
 */
public final class VpnStartup {

    /** The user's machine: a namespace of the driver's, removed at the end. */
    private static final String MACHINE = "rfbvpn";

    /** Times in ms: READY from {@code POST /new}; {@code connected} and {@code ping} from {@code POST /vpn}. */
    record Run(double ready, double credentials, double connected, double ping) {}

    private VpnStartup() {}

    public static void main(String[] args) throws Exception {
        int runs = Args.integer(args, "--runs", 10);
        int warmups = Args.integer(args, "--warmup-runs", 1);
        long pollMs = Args.integer(args, "--poll-ms", 50);
        String vpnAddress = Args.string(args, "--vpn-address", "10.217.252.1");
        Path results = Path.of(Args.string(args, "--results", "bench/results"));
        String api = Args.string(args, "--api", "http://127.0.0.1:8080");
        String token = Files.readString(Path.of(Args.string(args, "--token-file", ".run/token")))
                .trim();
        String deployment = Files.readString(Path.of(Args.string(args, "--deployment-file", ".run/deployment-id")))
                .trim();

        InstanceStartup.awaitFree(api, deployment, pollMs);
        Path dir = Files.createTempDirectory("rigfleet-bench-vpn");
        List<Run> measured = new ArrayList<>();
        try (OpenVpnClient machine = OpenVpnClient.machine(MACHINE, vpnAddress, dir)) {
            for (int i = 0; i < warmups + runs; i++) {
                Run run = once(api, token, deployment, pollMs, vpnAddress, machine);
                boolean warmup = i < warmups;
                if (!warmup) {
                    measured.add(run);
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s %d: READY %.0f ms after POST /new; after POST /vpn: its .ovpn %.0f ms, client connected"
                                + " %.0f ms, instance answers a ping %.0f ms%n",
                        warmup ? "warm-up" : "run",
                        warmup ? i + 1 : i - warmups + 1,
                        run.ready(),
                        run.credentials(),
                        run.connected(),
                        run.ping());
            }
        } finally {
            InstanceStartup.delete(dir);
        }

        double[] ready = measured.stream().mapToDouble(Run::ready).toArray();
        double[] credentials = measured.stream().mapToDouble(Run::credentials).toArray();
        double[] connected = measured.stream().mapToDouble(Run::connected).toArray();
        double[] ping = measured.stream().mapToDouble(Run::ping).toArray();
        new Table(String.format(
                        Locale.ROOT,
                        "VPN instance start-up: %d runs of POST /new/<demo deployment> {\"vpn\": true} (after %d"
                                + " warm-up), ms",
                        runs,
                        warmups))
                .row("READY, on its VPN (from POST /new; poll every " + pollMs + " ms)", InstanceStartup.summary(ready))
                .row("POST /vpn answered (from POST /vpn)", InstanceStartup.summary(credentials))
                .row("openvpn client connected (from POST /vpn)", InstanceStartup.summary(connected))
                .row("instance answers a ping over the VPN (from POST /vpn)", InstanceStartup.summary(ping))
                .print();
        List<Goal> goals = List.of(
                Goal.atMost(
                        "READY on its VPN, p99 (from POST /new)", InstanceStartup.percentile(ready, 99), 5_000, "ms"),
                Goal.atMost(
                        "client connected, p99 (from POST /vpn)",
                        InstanceStartup.percentile(connected, 99),
                        5_000,
                        "ms"));
        Goal.print("VPN instance start-up against its goals", goals);

        Files.createDirectories(results);
        Path out = results.resolve("vpn-startup-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(
                out,
                String.format(
                        Locale.ROOT,
                        "{\"benchmark\":\"vpn-startup\",\"runs\":%d,\"warmup_runs\":%d,\"poll_ms\":%d,"
                                + "\"ready\":%s,\"credentials\":%s,\"connected\":%s,\"ping\":%s,\"goals\":%s}%n",
                        runs,
                        warmups,
                        pollMs,
                        InstanceStartup.json(ready),
                        InstanceStartup.json(credentials),
                        InstanceStartup.json(connected),
                        InstanceStartup.json(ping),
                        Goal.json(goals).encode()));
        System.out.println("results: " + out);
    }

    private static Run once(
            String api, String token, String deployment, long pollMs, String vpnAddress, OpenVpnClient machine)
            throws Exception {
        long began = System.nanoTime();
        InstanceStartup.Instance instance =
                InstanceStartup.create(api, token, deployment, new JsonObject().put("vpn", true), pollMs);
        double ready = InstanceStartup.ms(began);
        try {
            JsonObject vpn = new JsonObject(InstanceStartup.get(api + "/vpn/" + instance.id(), token));
            if (!"ready".equals(vpn.getString("status"))) {
                throw new IllegalStateException("a READY instance's VPN is not ready: " + vpn.encode());
            }
            long asked = System.nanoTime();
            String ovpn = newClient(api, token, instance.id());
            double credentials = InstanceStartup.ms(asked);
            if (!ovpn.contains("\nremote " + vpnAddress + " ")) {
                throw new IllegalStateException("the .ovpn's remote is not --vpn-address " + vpnAddress
                        + ": start the platform with RIGFLEET_INSTANCES_VPN_ADDRESS=" + vpnAddress);
            }
            machine.connect(ovpn);
            while (!machine.connected()) {
                giveUpAfter(asked, "the openvpn client did not connect", machine);
                Thread.sleep(10);
            }
            double connected = InstanceStartup.ms(asked);
            while (machine.ping(vpn.getString("instance_address")) != 0) {
                giveUpAfter(asked, "the instance did not answer a ping over the VPN", machine);
            }
            return new Run(ready, credentials, connected, InstanceStartup.ms(asked));
        } finally {
            machine.disconnect();
            InstanceStartup.delete(instance.dir());
            InstanceStartup.terminate(api, token, instance.id());
            InstanceStartup.awaitFree(api, deployment, pollMs);
        }
    }

    /** {@code POST /vpn/:id}: a new client's .ovpn. */
    private static String newClient(String api, String token, String id) throws Exception {
        HttpResponse<String> answer = InstanceStartup.HTTP.send(
                HttpRequest.newBuilder(URI.create(api + "/vpn/" + id))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("POST /vpn answered " + answer.statusCode() + ": " + answer.body());
        }
        return new JsonObject(answer.body()).getString("ovpn");
    }

    private static void giveUpAfter(long since, String what, OpenVpnClient machine) throws Exception {
        if (InstanceStartup.ms(since) > InstanceStartup.GIVE_UP.toMillis()) {
            throw new IllegalStateException(
                    what + " within " + InstanceStartup.GIVE_UP.toSeconds() + " s; its log:\n" + machine.log());
        }
    }
}
