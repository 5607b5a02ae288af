package dev.rigfleet.bench;

import com.google.protobuf.ByteString;
import dev.rigfleet.agent.link.AgentConnection;
import dev.rigfleet.agent.link.LinkSettings;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One driver process of the agents-per-replica benchmark: many simulated agents, each the real agent's connection
 * code ({@link AgentConnection}: dial, hello, target states, heartbeats and stats, commands) with a device behind it
 * that answers every command {@code 200 OK} at once. Started by {@link AgentsPerReplica}, to which it reports on
 * standard output:
 *
 * <ul>
 *   <li>{@code started <epoch ms>} when the first agent starts dialling,
 *   <li>{@code connected <n> <epoch ms>} whenever the number welcomed changed (checked every 10 ms),
 * </ul>
 *
 * and it closes its agents and ends when its standard input closes.
 *
 * <p>Usage: {@code SimulatedAgents --server ws://127.0.0.1:8084 --devices FILE --from I --count N}.
 */
public final class SimulatedAgents {

    /**
     * Thousands of agents that lose their link, or are deprovisioned on purpose, all log it; the drivers' reports
     * are what matters here. Held in a field: a logger nobody refers to may be collected, and its level with it.
     */
    static final Logger AGENT_LOG = Logger.getLogger(AgentConnection.class.getName());

    static {
        AGENT_LOG.setLevel(Level.OFF);
    }

    private SimulatedAgents() {}

    public static void main(String[] args) throws Exception {
        URI server = URI.create(Args.string(args, "--server", "ws://127.0.0.1:8084"));
        List<Enrolment.Device> all = Enrolment.read(Path.of(Args.string(args, "--devices", "devices.txt")));
        int from = Args.integer(args, "--from", 0);
        List<Enrolment.Device> devices = all.subList(from, from + Args.integer(args, "--count", all.size() - from));

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        List<AgentConnection> agents = new ArrayList<>();
        System.out.println("started " + System.currentTimeMillis());
        for (Enrolment.Device device : devices) {
            AgentConnection agent = connect(vertx, server, device);
            agents.add(agent);
        }
        Thread reporter = new Thread(() -> report(agents));
        reporter.setDaemon(true);
        reporter.start();

        // The parent ends this process by closing its standard input (or by dying).
        try (BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (stdin.readLine() != null) {
                // nothing is asked of it but to end
            }
        }
        agents.forEach(AgentConnection::close);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** Starts one simulated agent for the device; it dials at once. */
    static AgentConnection connect(Vertx vertx, URI server, Enrolment.Device device) {
        AgentConnection agent = new AgentConnection(
                vertx, device.uuid(), device.credential(), "bench", LinkSettings.of(List.of(server)), new Device());
        agent.start();
        return agent;
    }

    private static void report(List<AgentConnection> agents) {
        int last = -1;
        while (true) {
            int connected =
                    (int) agents.stream().filter(AgentConnection::isConnected).count();
            if (connected != last) {
                System.out.println("connected " + connected + " " + System.currentTimeMillis());
                last = connected;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The device behind a simulated agent: stores nothing, answers every command as the agent's ping does. */
    private static final class Device implements AgentConnection.Handler {

        private static final CommandResponse OK = CommandResponse.newBuilder()
                .setStatus(200)
                .setContentType("text/plain")
                .setBody(ByteString.copyFromUtf8("OK"))
                .build();

        @Override
        public void targetState(long version, String json) {}

        @Override
        public Future<CommandResponse> command(CommandRequest request) {
            return Future.succeededFuture(OK);
        }
    }
}
