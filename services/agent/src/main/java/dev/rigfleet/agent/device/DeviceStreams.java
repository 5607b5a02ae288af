package dev.rigfleet.agent.device;

import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.instances.InstanceCommands;
import dev.rigfleet.agent.link.DeviceEndpoint;
import dev.rigfleet.proto.agent.StreamOpen;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Opens what the platform's streams reach on the device: a terminal session ({@link PtySessions}) or a TCP
 * connection to a port on the loopback interface ({@link TcpEndpoint}).
 */
@ApplicationScoped
public class DeviceStreams {

    private final PtySessions terminals;
    private final NetClient tunnels;

    private final Vertx vertx;
    private final InstanceCommands instances;

    public DeviceStreams(Vertx vertx, AgentConfig config, InstanceCommands instances) {
        this.vertx = vertx;
        this.instances = instances;
        this.terminals = new PtySessions(vertx, config.sessionUser(), config.ptyIdleTimeout());
        this.tunnels = vertx.createNetClient();
    }

    public Future<DeviceEndpoint> open(StreamOpen open, DeviceEndpoint.Output output) {
        return switch (open.getTargetCase()) {
            case PTY -> terminals.attach(open.getPty(), output);
            case TCP -> {
                String instance = open.getTcp().getInstance();
                if (!instance.isEmpty()) {
                    yield vertx.executeBlocking(() -> instances.find(instance), false)
                            .compose(found -> found.isPresent()
                                    ? TcpEndpoint.connect(
                                            tunnels,
                                            found.get().host(),
                                            found.get().port(),
                                            output)
                                    : Future.failedFuture("this agent runs no instance " + instance));
                }
                int port = open.getTcp().getPort();
                yield port >= 1 && port <= 65535
                        ? TcpEndpoint.connect(tunnels, "127.0.0.1", port, output)
                        : Future.failedFuture("no TCP port " + port);
            }
            case TARGET_NOT_SET -> Future.failedFuture("the stream names nothing to open");
        };
    }

    /** Ends every terminal session on the device (their clients' streams close); answers how many there were. */
    public int endTerminals() {
        int running = terminals.size();
        terminals.closeAll();
        return running;
    }

    void stop(@Observes ShutdownEvent stopping) {
        terminals.closeAll();
    }
}
