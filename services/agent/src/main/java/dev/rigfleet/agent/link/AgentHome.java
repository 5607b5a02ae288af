package dev.rigfleet.agent.link;

import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.device.DeviceStreams;
import dev.rigfleet.agent.supervisor.AppUpdates;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.agent.StreamOpen;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemTrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/**
 * The agent application's link home: holds the device's identity and its {@link AgentConnection} to the configured
 * servers. Without an identity it enrols first ({@link Enrolment}, retried while the platform is unreachable, the
 * local APIs serving meanwhile). Commands go to the {@link CommandDispatcher}, streams to {@link DeviceStreams},
 * target states to the apps.
 */
@ApplicationScoped
public class AgentHome implements DeviceLink {

    private static final String VERSION = "rigfleet-agent/0.1";

    private final Vertx vertx;
    private final AgentConfig config;
    private final AppUpdates updates;
    private final CommandDispatcher commands;
    private final DeviceStreams streams;
    private Enrolment enrolment;
    private LinkSettings settings;
    private volatile boolean enrolling;
    private volatile AgentConnection connection;
    private volatile DeviceIdentity identity;
    private volatile List<URI> servers = List.of();

    public AgentHome(
            Vertx vertx, AgentConfig config, AppUpdates updates, CommandDispatcher commands, DeviceStreams streams) {
        this.vertx = vertx;
        this.config = config;
        this.updates = updates;
        this.commands = commands;
        this.streams = streams;
    }

    void start(@Observes StartupEvent started) throws Exception {
        servers = config.servers().orElse(List.of());
        if (servers.isEmpty()) {
            Log.info("No rigfleet.agent.servers configured: serving the local APIs only");
            return;
        }
        Optional<DeviceIdentity> known = DeviceIdentity.load(config.stateDir());
        // A URL that would carry the credential in the clear is a mistake in the configuration: the agent does not
        // start with it (LinkSettings and enrolment refuse it).
        if (known.isPresent()) {
            dial(known.get());
        } else if (config.provisioningKey().isPresent()) {
            enrolInBackground(config.provisioningKey().get());
        } else {
            Log.infof(
                    "This device has no identity in %s and no rigfleet.agent.provisioning-key: waiting to be "
                            + "provisioned (POST /v2/provision on the ioFog API)",
                    config.stateDir());
        }
    }

    /** Where and how to dial; refuses unsafe server URLs. */
    private synchronized LinkSettings settings() {
        if (settings == null) {
            settings = new LinkSettings(
                    servers, config.caFile(), config.insecure(), config.maxBackoff(), config.reportBuffer());
        }
        return settings;
    }

    /** Enrolment at the provisioning URL; refuses an unsafe one, as the answer carries the credential. */
    private synchronized Enrolment enrolment() {
        if (enrolment == null) {
            URI provisioning = config.provisioningUrl().orElse(servers.get(0));
            LinkSettings.requireSafe(provisioning, config.insecure());
            settings();
            HttpClientOptions options = new HttpClientOptions();
            config.caFile().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
            enrolment = new Enrolment(
                    vertx,
                    vertx.createHttpClient(options),
                    provisioning,
                    config.name(),
                    config.stateDir(),
                    config.maxBackoff());
        }
        return enrolment;
    }

    /** The first start's enrolment: tried until it works, without holding up the local APIs. */
    private void enrolInBackground(String key) {
        Enrolment enrolment = enrolment();
        enrolling = true;
        Log.infof(
                "Enrolling at %s with rigfleet.agent.provisioning-key",
                config.provisioningUrl().orElse(servers.get(0)));
        enrolment.untilEnrolled(key).onComplete(done -> {
            if (done.succeeded()) {
                dial(done.result());
            }
            enrolling = false;
            if (done.cause() instanceof Enrolment.Refused refused) {
                Log.errorf(
                        "The platform refused to enrol this device: %s. Create a provisioning key for the fleet "
                                + "(POST /fleets/{appId}/provisioning-keys), then set rigfleet.agent.provisioning-key "
                                + "to it and restart the agent, or provision it with POST /v2/provision on the ioFog "
                                + "API. The local APIs are served meanwhile",
                        refused.getMessage());
            }
        });
    }

    @Override
    public synchronized Future<DeviceIdentity> provision(String provisioningKey) {
        if (servers.isEmpty()) {
            return Future.failedFuture("no rigfleet.agent.servers configured: nowhere to provision with");
        }
        if (identity != null) {
            return Future.failedFuture("this device is provisioned already");
        }
        if (enrolling) {
            return Future.failedFuture("this device is enrolling already");
        }
        Enrolment enrolment;
        try {
            enrolment = enrolment();
        } catch (IllegalArgumentException unsafe) {
            return Future.failedFuture(unsafe.getMessage());
        }
        enrolling = true;
        return enrolment.once(provisioningKey).onComplete(done -> {
            if (done.succeeded()) {
                dial(done.result());
            }
            enrolling = false;
        });
    }

    @Override
    public synchronized Future<Void> forget() {
        if (enrolment != null) {
            enrolment.cancel();
        }
        if (connection != null) {
            connection.close();
            connection = null;
        }
        identity = null;
        return vertx.executeBlocking(
                () -> {
                    Files.deleteIfExists(config.stateDir().resolve(DeviceIdentity.FILE));
                    return null;
                },
                false);
    }

    private synchronized void dial(DeviceIdentity known) {
        Log.infof(
                "Device %s (deviceId %d, fleet %d) dialling %s",
                known.uuid(), known.deviceId(), known.appId(), servers);
        connection = new AgentConnection(vertx, known.uuid(), known.credential(), VERSION, settings(), new Handler());
        // The identity is published last: whoever sees it (the local APIs, the tests) sees a device that dials.
        identity = known;
        connection.start();
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (enrolment != null) {
            enrolment.cancel();
        }
        if (connection != null) {
            connection.close();
        }
    }

    /** The connection home, while the agent dials. */
    public Optional<AgentConnection> connection() {
        return Optional.ofNullable(connection);
    }

    @Override
    public Optional<DeviceIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    @Override
    public List<URI> servers() {
        return servers;
    }

    @Override
    public boolean dialling() {
        return connection != null;
    }

    @Override
    public boolean connected() {
        AgentConnection current = connection;
        return current != null && current.isConnected();
    }

    @Override
    public boolean report(String stateJson) {
        AgentConnection current = connection;
        if (current == null) {
            return false;
        }
        current.report(stateJson);
        return true;
    }

    /** What the link hands the agent: target states to the apps, commands to the dispatcher, streams to device/. */
    private final class Handler implements AgentConnection.Handler {

        @Override
        public Future<DeviceEndpoint> openStream(StreamOpen open, DeviceEndpoint.Output output) {
            return streams.open(open, output);
        }

        @Override
        public void targetState(long version, String targetJson) {
            updates.fromPlatform(version, targetJson);
        }

        @Override
        public Future<CommandResponse> command(CommandRequest request) {
            return commands.dispatch(request);
        }
    }
}
