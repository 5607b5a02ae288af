package dev.rigfleet.agent.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.device.PtySessions;
import dev.rigfleet.agent.device.TcpEndpoint;
import dev.rigfleet.agent.supervisor.AppUpdates;
import dev.rigfleet.agent.supervisor.SupervisorKey;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.agent.StreamOpen;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.PemTrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The agent application's link home: enrols once with the provisioning key when the device has no identity yet,
 * then keeps an {@link AgentConnection} to the configured servers. Commands from the platform are run against the
 * agent's own local API, exactly as an application on the device would call it; target states are kept in the
 * state directory.
 */
@ApplicationScoped
public class AgentHome {

    private static final String VERSION = "rigfleet-agent/0.1";

    private final Vertx vertx;
    private final AgentConfig config;
    private final AppUpdates updates;
    private final SupervisorKey key;
    private final int localPort;
    private final ObjectMapper json = new ObjectMapper();
    private HttpClient http;
    private NetClient tunnels;
    private PtySessions terminals;
    private volatile AgentConnection connection;
    private volatile DeviceIdentity identity;
    private volatile List<URI> servers = List.of();

    public AgentHome(
            Vertx vertx,
            AgentConfig config,
            AppUpdates updates,
            SupervisorKey key,
            @ConfigProperty(name = "quarkus.http.port") int localPort) {
        this.vertx = vertx;
        this.config = config;
        this.updates = updates;
        this.key = key;
        this.localPort = localPort;
    }

    void start(@Observes StartupEvent started) throws Exception {
        servers = config.servers().orElse(List.of());
        HttpClientOptions options = new HttpClientOptions();
        config.caFile().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
        http = vertx.createHttpClient(options);
        tunnels = vertx.createNetClient();
        terminals = new PtySessions(vertx, config.sessionUser(), config.ptyIdleTimeout());
        if (servers.isEmpty()) {
            Log.info("No rigfleet.agent.servers configured: serving the local APIs only");
            return;
        }
        Optional<DeviceIdentity> known = DeviceIdentity.load(config.stateDir());
        if (known.isPresent()) {
            dial(known.get());
        } else if (config.provisioningKey().isPresent()) {
            dial(enrol(config.provisioningKey().get()));
        } else {
            Log.infof(
                    "This device has no identity in %s and no rigfleet.agent.provisioning-key: waiting to be "
                            + "provisioned (POST /v2/provision on the ioFog API)",
                    config.stateDir());
        }
    }

    /** Enrols with a provisioning key (the ioFog API's provision), then dials home. */
    public synchronized Future<DeviceIdentity> provision(String provisioningKey) {
        if (servers.isEmpty()) {
            return Future.failedFuture("no rigfleet.agent.servers configured: nowhere to provision with");
        }
        if (identity != null) {
            return Future.failedFuture("this device is provisioned already");
        }
        return vertx.executeBlocking(
                () -> {
                    DeviceIdentity enrolled = enrol(provisioningKey);
                    dial(enrolled);
                    return enrolled;
                },
                false);
    }

    /** Stops dialling and forgets the device's identity (the ioFog API's deprovision). */
    public synchronized Future<Void> forget() {
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
        LinkSettings settings = new LinkSettings(
                servers, config.caFile(), config.insecure(), config.maxBackoff(), config.reportBuffer());
        identity = known;
        Log.infof(
                "Device %s (deviceId %d, fleet %d) dialling %s",
                known.uuid(), known.deviceId(), known.appId(), servers);
        connection = new AgentConnection(vertx, known.uuid(), known.credential(), VERSION, settings, new Handler());
        connection.start();
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (connection != null) {
            connection.close();
        }
        if (terminals != null) {
            terminals.closeAll();
        }
    }

    public Optional<AgentConnection> connection() {
        return Optional.ofNullable(connection);
    }

    /** The device's identity, once the agent has one (it has none while it serves its local APIs only). */
    public Optional<DeviceIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    /** The platform's base URLs the agent dials; empty when it does not dial home. */
    public List<URI> servers() {
        return servers;
    }

    private DeviceIdentity enrol(String key) throws Exception {
        URI base = config.provisioningUrl().orElse(servers.get(0));
        LinkSettings.requireSafe(base, config.insecure());
        Map<String, Object> body = config.name()
                .<Map<String, Object>>map(name -> Map.of("provisioning_key", key, "name", name))
                .orElse(Map.of("provisioning_key", key));
        boolean tls = "https".equals(base.getScheme()) || "wss".equals(base.getScheme());
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : tls ? 443 : 80)
                .setSsl(tls)
                .setURI("/provision")
                .putHeader("Content-Type", "application/json");
        byte[] payload = json.writeValueAsBytes(body);
        Buffer answer = http.request(request)
                .compose(call -> call.send(Buffer.buffer(payload)))
                .compose(response -> response.body().map(bytes -> {
                    if (response.statusCode() != 201) {
                        throw new IllegalStateException("enrolment refused (" + response.statusCode() + "): " + bytes);
                    }
                    return bytes;
                }))
                .toCompletionStage()
                .toCompletableFuture()
                .get();
        Map<?, ?> enrolment = json.readValue(answer.getBytes(), Map.class);
        DeviceIdentity identity = new DeviceIdentity(
                (String) enrolment.get("uuid"),
                ((Number) enrolment.get("deviceId")).longValue(),
                ((Number) enrolment.get("appId")).longValue(),
                (String) enrolment.get("name"),
                (String) enrolment.get("credential"));
        identity.store(config.stateDir());
        Log.infof(
                "Enrolled as device %s; identity kept in %s",
                identity.uuid(), config.stateDir().resolve(DeviceIdentity.FILE));
        return identity;
    }

    /** Runs the platform's requests against this agent's own local API, and opens its streams. */
    private final class Handler implements AgentConnection.Handler {

        @Override
        public Future<DeviceEndpoint> openStream(StreamOpen open, DeviceEndpoint.Output output) {
            return switch (open.getTargetCase()) {
                case PTY -> terminals.attach(open.getPty(), output);
                case TCP -> {
                    int port = open.getTcp().getPort();
                    yield port >= 1 && port <= 65535
                            ? TcpEndpoint.connect(tunnels, port, output)
                            : Future.failedFuture("no TCP port " + port);
                }
                case TARGET_NOT_SET -> Future.failedFuture("the stream names nothing to open");
            };
        }

        @Override
        public void targetState(long version, String targetJson) {
            updates.fromPlatform(version, targetJson);
        }

        @Override
        public Future<CommandResponse> command(CommandRequest request) {
            RequestOptions local = new RequestOptions()
                    .setMethod(HttpMethod.valueOf(request.getMethod().isEmpty() ? "POST" : request.getMethod()))
                    .setHost("127.0.0.1")
                    .setPort(localPort)
                    .setURI(request.getPath());
            if (!request.getContentType().isEmpty()) {
                local.putHeader("Content-Type", request.getContentType());
            }
            // The platform's commands are the agent's own calls: they carry its key, callers never need it.
            local.putHeader("Authorization", "Bearer " + key.current());
            local.putHeader(
                    "X-Request-Id", request.getRequestId().isEmpty() ? request.getCommandId() : request.getRequestId());
            return http.request(local)
                    .compose(call -> call.send(Buffer.buffer(request.getBody().toByteArray())))
                    .compose(response -> response.body()
                            .map(bytes -> CommandResponse.newBuilder()
                                    .setStatus(response.statusCode())
                                    .setContentType(Optional.ofNullable(response.getHeader("Content-Type"))
                                            .orElse(""))
                                    .setBody(ByteString.copyFrom(bytes.getBytes()))
                                    .build()));
        }
    }
}
