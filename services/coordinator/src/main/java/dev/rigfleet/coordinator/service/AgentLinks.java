package dev.rigfleet.coordinator.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.coordinator.auth.DeviceCredentials;
import dev.rigfleet.coordinator.client.RegistryClient;
import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import dev.rigfleet.coordinator.config.CoordinatorConfig;
import dev.rigfleet.proto.agent.AgentFrame;
import dev.rigfleet.proto.agent.Hello;
import dev.rigfleet.proto.agent.Pong;
import dev.rigfleet.proto.agent.Refusal;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.agent.StateAck;
import dev.rigfleet.proto.agent.StateReport;
import dev.rigfleet.proto.agent.Stats;
import dev.rigfleet.proto.agent.Welcome;
import dev.rigfleet.proto.bus.DeviceConnection;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The life of each agent connection this replica holds: the hello and its welcome, presence (claimed, renewed for
 * all held links at once every third of its time to live, released on close), online and offline transitions, state reports stored before they are acknowledged,
 * and the frames of each kind handed to their owners — command answers to {@link AgentCommands}, stream frames to
 * {@link HeldStreams}; target states are pushed by {@link TargetStatePushes}. Nothing here polls or blocks: every
 * step is a reaction to a frame, a bus message or a close.
 */
@ApplicationScoped
public class AgentLinks {

    /** The protocol versions this coordinator speaks. */
    public static final int MIN_PROTOCOL = 1;

    public static final int MAX_PROTOCOL = 1;
    /** Close code for "a newer connection of this device replaced this one" (4000-4999 are the application's). */
    public static final int REPLACED = 4001;

    public static final int REFUSED = 4002;
    public static final int DEPROVISIONED = 4003;
    /** Close code for an agent that sent nothing for longer than {@code silence-limit}. */
    public static final int SILENT = 4004;
    /** RFC 6455's "Try Again Later": as many hellos wait to be welcomed as this replica lets wait. */
    public static final int TRY_AGAIN_LATER = 1013;

    private static final String SERVER_VERSION = "rigfleet-coordinator/0.1";

    private final WelcomeQueue welcomes;

    private final Counter busyRefusals;

    private final HeldLinks links;
    private final AgentCommands commands;
    private final TargetStatePushes targetStates;
    private final Presence presence;
    private final Bus bus;
    private final RegistryClient registry;
    private final DeviceCredentials credentials;
    private final CoordinatorConfig config;
    private final ObjectMapper json;
    private final AgentReports reports;
    private final HeldStreams streams;

    AgentLinks(
            HeldLinks links,
            AgentCommands commands,
            TargetStatePushes targetStates,
            Presence presence,
            Bus bus,
            RegistryClient registry,
            DeviceCredentials credentials,
            CoordinatorConfig config,
            ObjectMapper json,
            AgentReports reports,
            HeldStreams streams,
            MeterRegistry meters) {
        this.links = links;
        this.commands = commands;
        this.targetStates = targetStates;
        this.presence = presence;
        this.bus = bus;
        this.registry = registry;
        this.credentials = credentials;
        this.config = config;
        this.json = json;
        this.reports = reports;
        this.streams = streams;
        this.welcomes = new WelcomeQueue(config.maxConcurrentWelcomes(), config.maxWaitingWelcomes());
        Gauge.builder("rigfleet.agents.welcomes.waiting", welcomes, WelcomeQueue::waiting)
                .description("Hellos waiting for their turn to be welcomed")
                .register(meters);
        this.busyRefusals = Counter.builder("rigfleet.agents.busy.refusals")
                .description("Hellos closed with 1013 because as many waited to be welcomed as the replica lets wait")
                .register(meters);
    }

    void listen(@Observes StartupEvent started, Vertx vertx) {
        // One sweep for all agents, not a timer per agent: a connection that went silent without closing (a
        // vanished device, a dead NAT mapping) is closed, which releases its presence and records it offline.
        long every = Math.max(1000, config.silenceLimit().toMillis() / 3);
        vertx.setPeriodic(every, ignored -> closeSilent());
        // Presence is renewed for every held link in a few scripts, not per ping: at idle, Redis work (and the
        // replica's CPU) no longer grows with each agent's pings.
        vertx.setPeriodic(config.presenceRenewInterval().toMillis(), ignored -> renewHeld());
        bus.onEvent(Topics.DEVICE_DEPROVISIONED, this::deprovisioned);
        // Events sent while the bus was away are lost, and Redis may have lost presence (a restart keeps nothing):
        // claim again what this replica holds, and push each agent its current target state.
        bus.onConnected(() -> links.welcomed()
                .forEach(link -> keepPresence(link)
                        .chain(held -> held
                                ? targetStates.push(link)
                                : Uni.createFrom().voidItem())
                        .subscribe()
                        .with(
                                ok -> {},
                                e -> Log.warnf(
                                        "Could not refresh %s after reconnecting: %s",
                                        link.device.uuid(), e.getMessage()))));
    }

    private void closeSilent() {
        long quietSince = System.currentTimeMillis() - config.silenceLimit().toMillis();
        links.connections().stream()
                .filter(link -> link.lastHeardMillis < quietSince)
                .forEach(link -> link.connection
                        .close(new CloseReason(
                                SILENT,
                                "nothing heard for " + config.silenceLimit().toSeconds() + " s"))
                        .subscribe()
                        .with(ok -> {}, e -> {}));
    }

    public void opened(WebSocketConnection connection, DeviceIdentity device) {
        links.opened(connection, device);
    }

    public Uni<Void> received(WebSocketConnection connection, byte[] bytes) {
        Link link = links.ofConnection(connection.id());
        if (link == null) {
            return Uni.createFrom().voidItem();
        }
        link.lastHeardMillis = System.currentTimeMillis();
        AgentFrame frame;
        try {
            frame = AgentFrame.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return refuse(link, "not an agent frame of protocol " + MAX_PROTOCOL);
        }
        if (link.epoch == 0 && frame.getBodyCase() != AgentFrame.BodyCase.HELLO) {
            return refuse(link, "the first frame must be a hello");
        }
        return switch (frame.getBodyCase()) {
            case HELLO -> hello(link, frame.getHello());
            case TARGET_ACK -> {
                Log.debugf(
                        "Device %s stored target state %d",
                        link.device.uuid(), frame.getTargetAck().getVersion());
                yield Uni.createFrom().voidItem();
            }
            case STATE_REPORT -> stateReport(link, frame.getStateReport());
            case COMMAND_RESPONSE -> {
                commands.answered(link, frame.getCommandResponse());
                yield Uni.createFrom().voidItem();
            }
            case PING -> {
                // The pong answers for the link alone, with no Redis work: presence is renewed for all links at once
                // (renewHeld), so that a slow Redis (a reconnection storm) does not make live links look dead.
                yield link.send(ServerFrame.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setSentAtEpochMs(frame.getPing().getSentAtEpochMs()))
                        .build());
            }
            case STREAM_OPENED, STREAM_DATA, STREAM_WINDOW, STREAM_CLOSE -> {
                streams.fromDevice(link, frame);
                yield Uni.createFrom().voidItem();
            }
            case STATS -> stats(link, frame.getStats());
            case PONG, BODY_NOT_SET -> Uni.createFrom().voidItem();
        };
    }

    public Uni<Void> closed(WebSocketConnection connection) {
        Link link = links.removeConnection(connection.id());
        if (link == null) {
            return Uni.createFrom().voidItem();
        }
        commands.closed(link);
        if (link.epoch == 0) {
            return Uni.createFrom().voidItem();
        }
        links.forgotten(link);
        streams.closed(link);
        // Only the connection that still holds the device reports it offline; a replaced one says nothing.
        return presence.release(link.device.uuid(), link.holder(bus.replicaId()))
                .chain(released ->
                        released ? wentOffline(link) : Uni.createFrom().voidItem())
                .onFailure()
                .invoke(e -> Log.warnf(
                        "Could not record that device %s went offline: %s", link.device.uuid(), e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    /**
     * Renews the presence of every link heard from within the silence limit (a quieter one is about to be closed);
     * a link whose claim another connection has taken since is closed, and one whose claim Redis lost is claimed
     * again.
     */
    private void renewHeld() {
        long heardSince = System.currentTimeMillis() - config.silenceLimit().toMillis();
        Map<String, Link> held = new HashMap<>();
        Map<String, Presence.Holder> holders = new HashMap<>();
        for (Link link : links.welcomed()) {
            if (link.lastHeardMillis >= heardSince) {
                held.put(link.device.uuid(), link);
                holders.put(link.device.uuid(), link.holder(bus.replicaId()));
            }
        }
        presence.renewAll(holders, config.presenceTtl())
                .subscribe()
                .with(
                        lost -> lost.forEach(uuid -> reassert(held.get(uuid))),
                        e -> Log.warnf(
                                "Presence of %d held devices not renewed (it lasts %s): %s",
                                holders.size(), config.presenceTtl(), e.getMessage()));
    }

    private void reassert(Link link) {
        presence.reassert(link.device.uuid(), link.holder(bus.replicaId()), config.presenceTtl())
                .subscribe()
                .with(
                        held -> {
                            if (!held) {
                                link.connection
                                        .close(new CloseReason(REPLACED, "another connection holds this device now"))
                                        .subscribe()
                                        .with(ok -> {}, e -> {});
                            }
                        },
                        e -> Log.debugf("Presence of %s not claimed again: %s", link.device.uuid(), e.getMessage()));
    }

    private Uni<Boolean> keepPresence(Link link) {
        Presence.Holder holder = link.holder(bus.replicaId());
        return presence.renew(link.device.uuid(), holder, config.presenceTtl())
                .chain(renewed -> renewed
                        ? Uni.createFrom().item(true)
                        : presence.reassert(link.device.uuid(), holder, config.presenceTtl()));
    }

    private Uni<Void> hello(Link link, Hello hello) {
        if (hello.getProtocolVersion() < MIN_PROTOCOL || hello.getProtocolVersion() > MAX_PROTOCOL) {
            return refuse(
                    link,
                    "protocol " + hello.getProtocolVersion() + " is not supported; this coordinator speaks "
                            + MIN_PROTOCOL + " to " + MAX_PROTOCOL);
        }
        if (!hello.getDeviceUuid().isEmpty() && !hello.getDeviceUuid().equals(link.device.uuid())) {
            return refuse(link, "this connection's credentials belong to another device than " + hello.getDeviceUuid());
        }
        if (link.epoch != 0) {
            return Uni.createFrom().voidItem(); // one hello per connection; a repeat changes nothing
        }
        String uuid = link.device.uuid();
        return welcomes.submit(
                        // Online is a transition only when nobody held the device: a replacement is not one.
                        () -> presence.claim(uuid, bus.replicaId(), config.presenceTtl())
                                .chain(claim -> welcome(link, hello, claim.epoch(), !claim.wasHeld())),
                        () -> !link.connection.isOpen())
                .chain(admission -> {
                    if (admission == WelcomeQueue.Admission.TAKEN) {
                        return Uni.createFrom().voidItem();
                    }
                    busyRefusals.increment();
                    return link.connection.close(
                            new CloseReason(TRY_AGAIN_LATER, "welcoming other agents; try again later"));
                });
    }

    private Uni<Void> welcome(Link link, Hello hello, long epoch, boolean cameOnline) {
        String uuid = link.device.uuid();
        link.epoch = epoch;
        Link replaced = links.welcomed(link);
        if (replaced != null) {
            replaced.connection
                    .close(new CloseReason(REPLACED, "a newer connection of this device took over"))
                    .subscribe()
                    .with(ok -> {}, e -> {});
        }
        Log.infof("Device %s connected (epoch %d, agent %s)", uuid, epoch, hello.getAgentVersion());
        Welcome welcome = Welcome.newBuilder()
                .setProtocolVersion(hello.getProtocolVersion())
                .setServerVersion(SERVER_VERSION)
                .setEpoch(epoch)
                .setReportIntervalSeconds((int) config.reportInterval().toSeconds())
                .build();
        return link.send(ServerFrame.newBuilder().setWelcome(welcome).build())
                .chain(() ->
                        cameOnline ? transition(link, true) : Uni.createFrom().voidItem())
                .chain(() -> targetStates.push(link));
    }

    private Uni<Void> wentOffline(Link link) {
        return transition(link, false);
    }

    /** Records the transition in the registry's history and tells the replicas whose clients watch the device. */
    private Uni<Void> transition(Link link, boolean online) {
        Instant now = Instant.now();
        DeviceConnection event = DeviceConnection.newBuilder()
                .setUuid(link.device.uuid())
                .setOnline(online)
                .setEpoch(link.epoch)
                .setReplica(bus.replicaId())
                .setAtEpochMs(now.toEpochMilli())
                .build();
        return registry.transition(link.device.uuid(), online, now)
                .call(() ->
                        bus.publish(Topics.DEVICE_CONNECTION, event).onFailure().recoverWithNull());
    }

    private Uni<Void> stats(Link link, Stats stats) {
        Map<String, Object> report = Map.of(
                "rx_bytes", stats.getRxBytes(),
                "tx_bytes", stats.getTxBytes(),
                "num_comms", stats.getNumComms(),
                "open_streams", stats.getOpenStreams());
        try {
            reports.keepStats(link.device.uuid(), json.writeValueAsString(report));
        } catch (Exception e) {
            Log.debugf("Stats of %s not kept: %s", link.device.uuid(), e.getMessage());
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> stateReport(Link link, StateReport report) {
        // Acknowledged only once stored: the agent re-sends until then.
        String state = report.getJson().toStringUtf8();
        return registry.reportedState(link.device.uuid(), state)
                .call(() -> appHealth(link, state))
                .chain(() -> link.send(ServerFrame.newBuilder()
                        .setStateAck(StateAck.newBuilder().setSequence(report.getSequence()))
                        .build()))
                .onFailure()
                .invoke(e -> Log.warnf(
                        "State report %d of %s not stored yet: %s",
                        report.getSequence(), link.device.uuid(), e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    /** The report's {@code app_health}, by service uuid, is kept as {@code POST /me/app-health} keeps it. */
    private Uni<Void> appHealth(Link link, String state) {
        Map<String, String> health = new java.util.HashMap<>();
        try {
            json.readTree(state).path("app_health").fields().forEachRemaining(app -> {
                String value = app.getValue().asText();
                if (AgentReports.HEALTHS.contains(value)) {
                    health.put(app.getKey(), value);
                }
            });
        } catch (Exception e) {
            return Uni.createFrom().voidItem(); // the registry took it; it is just not ours to read
        }
        return health.isEmpty() ? Uni.createFrom().voidItem() : reports.storeHealth(link.device.uuid(), health);
    }

    private void deprovisioned(DeviceDeprovisioned gone) {
        credentials.deprovisioned(gone.getUuid(), gone.getCredentialSha256());
        Link link = links.ofDevice(gone.getUuid());
        if (link != null) {
            link.connection
                    .close(new CloseReason(DEPROVISIONED, "the device has been deprovisioned"))
                    .subscribe()
                    .with(ok -> {}, e -> {});
        }
    }

    private Uni<Void> refuse(Link link, String reason) {
        Refusal refusal = Refusal.newBuilder()
                .setReason(reason)
                .setMinProtocolVersion(MIN_PROTOCOL)
                .setMaxProtocolVersion(MAX_PROTOCOL)
                .build();
        Log.infof("Refused agent of device %s: %s", link.device.uuid(), reason);
        return link.send(ServerFrame.newBuilder().setRefusal(refusal).build())
                .chain(() -> link.connection.close(new CloseReason(REFUSED, reason)));
    }
}
