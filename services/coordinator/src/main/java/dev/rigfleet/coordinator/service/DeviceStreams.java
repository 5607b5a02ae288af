package dev.rigfleet.coordinator.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StreamOpen;
import dev.rigfleet.proto.bus.StreamRelay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens streams to devices for the clients this replica serves (PTY WebSockets, tunnel sockets), wherever the device's
 * agent is held: presence names the holding replica, whose {@link HeldStreams} relays to the agent.
 */
@ApplicationScoped
public class DeviceStreams {

    /** Bytes either end may send before the other grants more; small enough that many streams fit in memory. */
    public static final int WINDOW = 256 * 1024;

    /** The device could not open the stream: the reason is the agent's. */
    public static class StreamRefused extends RuntimeException {

        public StreamRefused(String reason) {
            super(reason, null, false, false);
        }
    }

    private final class Opening {
        final DeviceStream stream;
        final UniEmitter<? super DeviceStream> emitter;
        final DeviceStream.Listener listener;
        long expectedSequence = 1;

        Opening(DeviceStream stream, UniEmitter<? super DeviceStream> emitter, DeviceStream.Listener listener) {
            this.stream = stream;
            this.emitter = emitter;
            this.listener = listener;
        }
    }

    private final Map<String, Opening> streams = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final Presence presence;
    private final Bus bus;
    private final CoordinatorConfig config;
    private final HeldStreams held;
    private final LocalStreamRelay local;

    public DeviceStreams(
            Presence presence,
            Bus bus,
            CoordinatorConfig config,
            MeterRegistry meters,
            HeldStreams held,
            LocalStreamRelay local) {
        this.presence = presence;
        this.bus = bus;
        this.config = config;
        this.held = held;
        this.local = local;
        Gauge.builder("rigfleet.streams.open", streams, Map::size)
                .description("Streams to devices this replica serves clients of (PTY sessions, tunnels)")
                .register(meters);
    }

    void listen(@Observes StartupEvent started) {
        bus.onTold(Topics.STREAM_FROM_DEVICE, this::fromDevice);
    }

    /**
     * Opens a stream to the device; fails with {@link DeviceCommands.DeviceOffline} when no replica holds it, with
     * {@link StreamRefused} when the agent cannot open it, and after the command time-out when nothing answers.
     */
    public Uni<DeviceStream> open(String deviceUuid, StreamOpen.Builder target, DeviceStream.Listener listener) {
        return presence.holder(deviceUuid).chain(holder -> {
            if (holder.isEmpty()) {
                return Uni.createFrom().failure(new DeviceCommands.DeviceOffline(deviceUuid));
            }
            String id = bus.replicaId() + "." + nextId.incrementAndGet();
            String holderInbox = bus.inboxOf(holder.get().replica());
            long epoch = holder.get().epoch();
            long[] sequence = {0};
            // Called only under the stream's lock, which keeps sequence numbers in the order frames are told.
            DeviceStream stream = new DeviceStream(
                    id,
                    WINDOW,
                    frame -> tell(holderInbox, deviceUuid, epoch, ++sequence[0], frame),
                    () -> streams.remove(id));
            return Uni.createFrom()
                    .<DeviceStream>emitter(emitter -> {
                        streams.put(id, new Opening(stream, emitter, listener));
                        synchronized (stream) {
                            tell(
                                    holderInbox,
                                    deviceUuid,
                                    epoch,
                                    ++sequence[0],
                                    ServerFrame.newBuilder()
                                            .setStreamOpen(
                                                    target.setStreamId(id).setWindow(WINDOW))
                                            .build());
                        }
                    })
                    .ifNoItem()
                    .after(config.commandTimeout())
                    .failWith(() -> new StreamRefused("the device did not answer in time"))
                    .onFailure()
                    .invoke(() -> stream.close("not opened"));
        });
    }

    private void tell(String holderInbox, String deviceUuid, long epoch, long sequence, ServerFrame frame) {
        StreamRelay relay = StreamRelay.newBuilder()
                .setDeviceUuid(deviceUuid)
                .setEpoch(epoch)
                .setClientReplica(bus.replicaId())
                .setSequence(sequence)
                .setToDevice(frame)
                .build();
        String id = HeldStreams.streamId(frame);
        if (holderInbox.equals(bus.inbox())) {
            local.handOver(() -> held.toDevice(relay));
            return;
        }
        bus.tell(holderInbox, Topics.STREAM_TO_DEVICE, relay).subscribe().with(ok -> {}, e -> {
            Opening opening = streams.get(id);
            if (opening != null) {
                end(opening, "the device's coordinator is unreachable: " + e.getMessage());
            }
        });
    }

    /** A frame from the device's agent, by way of the bus or the local relay. */
    void fromDevice(StreamRelay relay) {
        AgentFrame frame = relay.getFromDevice();
        Opening opening = streams.get(HeldStreams.streamId(frame));
        if (opening == null) {
            return;
        }
        // Only the bus's one subscriber thread or the local relay's one thread gets here (a stream uses one of them
        // for its life), so the sequence check needs no lock.
        if (relay.getSequence() != opening.expectedSequence++) {
            end(opening, "frames were lost between coordinator replicas");
            opening.stream.close("frames lost");
            return;
        }
        switch (frame.getBodyCase()) {
            case STREAM_OPENED -> {
                opening.stream.opened(
                        frame.getStreamOpened().getWindow(),
                        frame.getStreamOpened().getSpliced(),
                        opening.listener);
                opening.emitter.complete(opening.stream);
            }
            case STREAM_DATA ->
                opening.stream.data(frame.getStreamData().getData().toByteArray());
            case STREAM_WINDOW -> opening.stream.window(frame.getStreamWindow().getBytes());
            case STREAM_CLOSE -> end(opening, frame.getStreamClose().getReason());
            default -> {}
        }
    }

    private void end(Opening opening, String reason) {
        // Before it opened, the one waiting hears the reason; after, the listener does.
        opening.emitter.fail(new StreamRefused(reason));
        opening.stream.ended(reason);
    }
}
