package dev.rigfleet.coordinator.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import dev.rigfleet.proto.agent.StreamOpen;
import dev.rigfleet.proto.agent.TcpTarget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP tunnels to ports on devices: each is a listening port on this replica, and every connection to it becomes a
 * stream to the device's port, relayed over its agent's link wherever that is held, or over a splice connection of
 * the agent's to this replica ({@link Splices}) when the agent opens one. Instances use them for SSH ({@code fwd}).
 *
 * <p>Each tunnel has a firewall chain, enforced here where the traffic enters: a new connection's source address
 * meets the chain before a byte is relayed. ACCEPT relays; REJECT resets at once; DROP holds the connection
 * silent for {@code tunnel-drop-hold} and closes it without a byte, as a dropped SYN looks to a client that
 * waits, at most {@code tunnel-drop-limit} at a time per tunnel (more are reset, so that a flood holds nothing). A
 * new chain applies to the next connection and closes relayed ones that it does not accept.
 */
@ApplicationScoped
public class Tunnels {

    /** A tunnel: connect to {@code host:port} here to reach {@code devicePort} on the device. */
    public record Tunnel(
            String id,
            @JsonProperty("device_uuid") String deviceUuid,
            @JsonProperty("device_port") int devicePort,
            String host,
            int port,
            List<Firewall.Rule> rules,
            /** This tunnel's internal resource on the replica that holds it: where to change or close it. */
            String url,
            /** The pod of that replica in a cluster; null elsewhere. */
            String pod) {}

    private static final class Listening {
        private final NetServer server;
        private volatile Tunnel tunnel;
        private volatile Firewall firewall;
        private final Set<NetSocket> relayed = ConcurrentHashMap.newKeySet();
        private final AtomicInteger held = new AtomicInteger();

        Listening(NetServer server) {
            this.server = server;
        }
    }

    private final Map<String, Listening> tunnels = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final DeviceStreams streams;
    private final Splices splices;
    private final CoordinatorConfig config;

    public Tunnels(
            Vertx vertx, DeviceStreams streams, Splices splices, CoordinatorConfig config, MeterRegistry meters) {
        this.vertx = vertx;
        this.streams = streams;
        this.splices = splices;
        this.config = config;
        Gauge.builder("rigfleet.tunnels", tunnels, Map::size)
                .description("Tunnels this replica listens for")
                .register(meters);
    }

    /** Opens a tunnel; {@code replica} is the base URL of this replica's internal API, for the tunnel's own URL. */
    public Uni<Tunnel> open(String deviceUuid, int devicePort, String instance, Firewall firewall, String replica) {
        TcpTarget.Builder target = TcpTarget.newBuilder().setPort(devicePort);
        if (instance != null) {
            target.setInstance(instance);
        }
        NetServer server = vertx.createNetServer(new NetServerOptions().setHost(config.tunnelHost()));
        Listening listening = new Listening(server);
        listening.firewall = firewall;
        server.connectHandler(socket -> admit(listening, deviceUuid, target.build(), socket));
        return Uni.createFrom()
                .completionStage(server.listen(0).toCompletionStage())
                .map(bound -> {
                    String id = UUID.randomUUID().toString();
                    Tunnel tunnel = new Tunnel(
                            id,
                            deviceUuid,
                            devicePort,
                            config.tunnelHost(),
                            bound.actualPort(),
                            firewall.rules(),
                            replica.replaceAll("/+$", "") + "/internal/tunnels/" + id,
                            config.podName().orElse(null));
                    listening.tunnel = tunnel;
                    tunnels.put(tunnel.id(), listening);
                    Log.infof(
                            "Tunnel %s: %s:%d reaches port %d of device %s",
                            tunnel.id(), tunnel.host(), tunnel.port(), devicePort, deviceUuid);
                    return tunnel;
                });
    }

    public Optional<Tunnel> find(String id) {
        return Optional.ofNullable(tunnels.get(id)).map(listening -> listening.tunnel);
    }

    /** Sets the tunnel's chain; relayed connections that it does not accept are closed. Empty when no such tunnel. */
    public Optional<Tunnel> setFirewall(String id, Firewall firewall) {
        Listening listening = tunnels.get(id);
        if (listening == null) {
            return Optional.empty();
        }
        listening.firewall = firewall;
        Tunnel old = listening.tunnel;
        listening.tunnel = new Tunnel(
                old.id(),
                old.deviceUuid(),
                old.devicePort(),
                old.host(),
                old.port(),
                firewall.rules(),
                old.url(),
                old.pod());
        for (NetSocket socket : listening.relayed) {
            if (firewall.decide(source(socket)) != Firewall.Action.ACCEPT) {
                Log.infof("Tunnel %s: the new chain closes the connection from %s", id, source(socket));
                socket.close();
            }
        }
        return Optional.of(listening.tunnel);
    }

    /** Stops listening; connections already relayed run on until either end closes them. */
    public Uni<Boolean> close(String id) {
        Listening listening = tunnels.remove(id);
        if (listening == null) {
            return Uni.createFrom().item(false);
        }
        listening.relayed.forEach(NetSocket::close);
        return Uni.createFrom()
                .completionStage(listening.server.close().toCompletionStage())
                .replaceWith(true);
    }

    private void admit(Listening listening, String deviceUuid, TcpTarget target, NetSocket socket) {
        socket.pause();
        switch (listening.firewall.decide(source(socket))) {
            case ACCEPT -> {
                listening.relayed.add(socket);
                relay(deviceUuid, target, socket, () -> listening.relayed.remove(socket));
            }
            case REJECT -> reset(socket);
            case DROP -> {
                if (listening.held.incrementAndGet() > config.tunnelDropLimit()) {
                    listening.held.decrementAndGet();
                    reset(socket);
                    return;
                }
                vertx.setTimer(config.tunnelDropHold().toMillis(), ignored -> {
                    listening.held.decrementAndGet();
                    socket.close();
                });
            }
        }
    }

    /** A TCP reset: SO_LINGER 0, then close. */
    private static void reset(NetSocket socket) {
        ((NetSocketInternal) socket)
                .channelHandlerContext()
                .channel()
                .config()
                .setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
        socket.close();
    }

    /** The connection's source address, IPv4 as the chain speaks it. */
    private static String source(NetSocket socket) {
        String host = socket.remoteAddress().hostAddress();
        return host.startsWith("::ffff:") ? host.substring("::ffff:".length()) : host;
    }

    private void relay(String deviceUuid, TcpTarget target, NetSocket socket, Runnable forget) {
        socket.closeHandler(closed -> forget.run());
        DeviceStream.Listener toSocket = new DeviceStream.Listener() {
            @Override
            public void data(byte[] bytes, Runnable consumed) {
                socket.write(Buffer.buffer(bytes)).onSuccess(written -> consumed.run());
            }

            @Override
            public void closed(String reason) {
                socket.close();
            }
        };
        Splices.Offer splice = splices.offer(deviceUuid);
        streams.open(deviceUuid, StreamOpen.newBuilder().setTcp(target).setSplice(splice.secret()), toSocket)
                .subscribe()
                .with(
                        stream -> {
                            socket.closeHandler(closed -> {
                                forget.run();
                                stream.close("the tunnel's client closed its connection");
                                splice.withdraw();
                                splice.socket().onSuccess(NetSocket::close);
                            });
                            if (stream.spliced()) {
                                splice.socket()
                                        .onSuccess(device -> SocketBridge.join(socket, device))
                                        .onFailure(failure -> {
                                            Log.infof("Tunnel to %s: %s", deviceUuid, failure.getMessage());
                                            socket.close();
                                        });
                                return;
                            }
                            splice.withdraw();
                            socket.handler(bytes -> {
                                if (!stream.write(bytes.getBytes())) {
                                    socket.pause();
                                    stream.whenWritable(socket::resume);
                                }
                            });
                            socket.resume();
                        },
                        failure -> {
                            splice.withdraw();
                            Log.infof(
                                    "Tunnel to port %d of %s refused a connection: %s",
                                    target.getPort(), deviceUuid, failure.getMessage());
                            forget.run();
                            socket.close();
                        });
    }
}
