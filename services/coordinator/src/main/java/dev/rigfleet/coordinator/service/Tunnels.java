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
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TCP tunnels to ports on devices: each is a listening port on this replica, and every connection to it becomes a
 * stream to the device's port, relayed over its agent's link wherever that is held. Instances use them for SSH.
 */
@ApplicationScoped
public class Tunnels {

    /** A tunnel: connect to {@code host:port} here to reach {@code devicePort} on the device. */
    public record Tunnel(
            String id,
            @JsonProperty("device_uuid") String deviceUuid,
            @JsonProperty("device_port") int devicePort,
            String host,
            int port) {}

    private record Listening(Tunnel tunnel, NetServer server) {}

    private final Map<String, Listening> tunnels = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final DeviceStreams streams;
    private final CoordinatorConfig config;

    public Tunnels(Vertx vertx, DeviceStreams streams, CoordinatorConfig config, MeterRegistry meters) {
        this.vertx = vertx;
        this.streams = streams;
        this.config = config;
        Gauge.builder("rigfleet.tunnels", tunnels, Map::size)
                .description("Tunnels this replica listens for")
                .register(meters);
    }

    public Uni<Tunnel> open(String deviceUuid, int devicePort) {
        NetServer server = vertx.createNetServer(new NetServerOptions().setHost(config.tunnelHost()));
        server.connectHandler(socket -> relay(deviceUuid, devicePort, socket));
        return Uni.createFrom()
                .completionStage(server.listen(0).toCompletionStage())
                .map(listening -> {
                    Tunnel tunnel = new Tunnel(
                            UUID.randomUUID().toString(),
                            deviceUuid,
                            devicePort,
                            config.tunnelHost(),
                            listening.actualPort());
                    tunnels.put(tunnel.id(), new Listening(tunnel, server));
                    Log.infof(
                            "Tunnel %s: %s:%d reaches port %d of device %s",
                            tunnel.id(), tunnel.host(), tunnel.port(), devicePort, deviceUuid);
                    return tunnel;
                });
    }

    public Optional<Tunnel> find(String id) {
        return Optional.ofNullable(tunnels.get(id)).map(Listening::tunnel);
    }

    /** Stops listening; connections already relayed run on until either end closes them. */
    public Uni<Boolean> close(String id) {
        Listening listening = tunnels.remove(id);
        if (listening == null) {
            return Uni.createFrom().item(false);
        }
        return Uni.createFrom()
                .completionStage(listening.server().close().toCompletionStage())
                .replaceWith(true);
    }

    private void relay(String deviceUuid, int devicePort, NetSocket socket) {
        socket.pause();
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
        streams.open(
                        deviceUuid,
                        StreamOpen.newBuilder().setTcp(TcpTarget.newBuilder().setPort(devicePort)),
                        toSocket)
                .subscribe()
                .with(
                        stream -> {
                            socket.handler(bytes -> {
                                if (!stream.write(bytes.getBytes())) {
                                    socket.pause();
                                    stream.whenWritable(socket::resume);
                                }
                            });
                            socket.closeHandler(closed -> stream.close("the tunnel's client closed its connection"));
                            socket.resume();
                        },
                        failure -> {
                            Log.infof(
                                    "Tunnel to port %d of %s refused a connection: %s",
                                    devicePort, deviceUuid, failure.getMessage());
                            socket.close();
                        });
    }
}
