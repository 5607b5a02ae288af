package dev.rigfleet.coordinator.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StreamClose;
import dev.rigfleet.proto.bus.StreamRelay;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The holder's half of every stream: frames told by the client's replica go to the agent, the agent's frames go back
 * to that replica. Credit is the two ends' business; this relay only keeps each direction in order and ends a stream
 * whose frames went missing, or whose agent connection closed.
 */
@ApplicationScoped
public class HeldStreams {

    private static final class Held {
        final String id;
        final Link link;
        final String clientInbox;
        long expectedFromClient;
        long nextToClient = 1;

        Held(String id, Link link, String clientInbox, long firstSequence) {
            this.id = id;
            this.link = link;
            this.clientInbox = clientInbox;
            this.expectedFromClient = firstSequence;
        }
    }

    private final Map<String, Held> streams = new ConcurrentHashMap<>();
    private final Bus bus;
    private final HeldLinks links;
    private final DeviceStreams clients;
    private final LocalStreamRelay local;

    public HeldStreams(Bus bus, HeldLinks links, DeviceStreams clients, LocalStreamRelay local) {
        this.bus = bus;
        this.links = links;
        this.clients = clients;
        this.local = local;
    }

    void listen(@Observes StartupEvent started) {
        bus.onTold(Topics.STREAM_TO_DEVICE, this::toDevice);
    }

    /** How many streams run through this replica's agent connections. */
    public int size() {
        return streams.size();
    }

    /** A frame for the agent, by way of the bus or the local relay. */
    void toDevice(StreamRelay relay) {
        ServerFrame frame = relay.getToDevice();
        String id = streamId(frame);
        if (id.isEmpty()) {
            return; // only stream frames travel this way
        }
        Held held = streams.get(id);
        if (frame.hasStreamOpen()) {
            Link link = links.held(relay.getDeviceUuid(), relay.getEpoch());
            String clientInbox = bus.inboxOf(relay.getClientReplica());
            if (link == null) {
                tellClient(relay.getDeviceUuid(), clientInbox, id, 1, closeFrame(id, "the device is offline"));
                return;
            }
            held = new Held(id, link, clientInbox, relay.getSequence());
            streams.put(id, held);
            link.streams.add(id);
        } else if (held == null) {
            return; // ended already; its last frames may still be on their way
        }
        synchronized (held) {
            if (relay.getSequence() != held.expectedFromClient) {
                Log.warnf("Stream %s lost frames between replicas; ending it", id);
                end(held, "frames were lost between coordinator replicas");
                held.link.sendAndForget(ServerFrame.newBuilder()
                        .setStreamClose(closeFrame(id, "frames lost"))
                        .build());
                return;
            }
            held.expectedFromClient++;
        }
        if (frame.hasStreamClose()) {
            forget(held);
        }
        held.link.sendAndForget(frame);
    }

    /** A stream frame from the agent of {@code link}. */
    void fromDevice(Link link, AgentFrame frame) {
        Held held = streams.get(streamId(frame));
        if (held == null || held.link != link) {
            return;
        }
        if (frame.hasStreamClose()) {
            forget(held);
        }
        synchronized (held) {
            tellClient(link.device.uuid(), held.clientInbox, held.id, held.nextToClient++, frame);
        }
    }

    /** The agent connection closed: every stream on it ends. */
    void closed(Link link) {
        for (String id : link.streams) {
            Held held = streams.get(id);
            if (held != null) {
                end(held, "the device's connection closed");
            }
        }
    }

    private void end(Held held, String reason) {
        forget(held);
        synchronized (held) {
            tellClient(
                    held.link.device.uuid(),
                    held.clientInbox,
                    held.id,
                    held.nextToClient++,
                    closeFrame(held.id, reason));
        }
    }

    private void forget(Held held) {
        streams.remove(held.id, held);
        held.link.streams.remove(held.id);
    }

    private void tellClient(String deviceUuid, String clientInbox, String id, long sequence, StreamClose close) {
        tellClient(
                deviceUuid,
                clientInbox,
                id,
                sequence,
                AgentFrame.newBuilder().setStreamClose(close).build());
    }

    private void tellClient(String deviceUuid, String clientInbox, String id, long sequence, AgentFrame frame) {
        StreamRelay relay = StreamRelay.newBuilder()
                .setDeviceUuid(deviceUuid)
                .setSequence(sequence)
                .setFromDevice(frame)
                .build();
        if (clientInbox.equals(bus.inbox())) {
            local.handOver(() -> clients.fromDevice(relay));
            return;
        }
        bus.tell(clientInbox, Topics.STREAM_FROM_DEVICE, relay)
                .subscribe()
                .with(ok -> {}, e -> Log.debugf("Stream %s: the client's replica is gone (%s)", id, e.getMessage()));
    }

    private static StreamClose closeFrame(String id, String reason) {
        return StreamClose.newBuilder().setStreamId(id).setReason(reason).build();
    }

    static String streamId(ServerFrame frame) {
        return switch (frame.getBodyCase()) {
            case STREAM_OPEN -> frame.getStreamOpen().getStreamId();
            case STREAM_DATA -> frame.getStreamData().getStreamId();
            case STREAM_WINDOW -> frame.getStreamWindow().getStreamId();
            case STREAM_CLOSE -> frame.getStreamClose().getStreamId();
            case STREAM_RESIZE -> frame.getStreamResize().getStreamId();
            default -> "";
        };
    }

    static String streamId(AgentFrame frame) {
        return switch (frame.getBodyCase()) {
            case STREAM_OPENED -> frame.getStreamOpened().getStreamId();
            case STREAM_DATA -> frame.getStreamData().getStreamId();
            case STREAM_WINDOW -> frame.getStreamWindow().getStreamId();
            case STREAM_CLOSE -> frame.getStreamClose().getStreamId();
            default -> "";
        };
    }
}
