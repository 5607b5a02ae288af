package dev.rigfleet.registry.service;

import com.google.protobuf.ByteString;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.bus.BusException;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.common.devices.DeviceCommands.DeviceDropped;
import dev.rigfleet.common.devices.DeviceCommands.DeviceOffline;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.registry.config.RegistryConfig;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.SupervisorCommand;
import dev.rigfleet.registry.model.SupervisorCommand.DeviceOutcome;
import dev.rigfleet.registry.model.SupervisorCommand.Outcome;
import dev.rigfleet.registry.repository.DeviceRepository;
import dev.rigfleet.registry.repository.SupervisorCommandRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /supervisor/<url>}: sends one supervisor API call to every online device of the caller's that the
 * request's filters all match, at once, each through the coordinator replica that holds it, and records what each
 * answered. A command reaches an agent at most once: it is sent again only when the coordinator refused it unsent
 * (the device had moved to a newer connection), and the agent runs each command id once in any case.
 */
@ApplicationScoped
public class SupervisorProxy {

    /** One device's answer, or why there is none. */
    public record DeviceAnswer(String uuid, Outcome outcome, int status, String contentType, byte[] body) {

        static DeviceAnswer answered(String uuid, CommandResponse response) {
            return new DeviceAnswer(
                    uuid,
                    Outcome.ANSWERED,
                    response.getStatus(),
                    response.getContentType(),
                    response.getBody().toByteArray());
        }

        static DeviceAnswer failed(String uuid, Outcome outcome, int status) {
            return new DeviceAnswer(uuid, outcome, status, null, null);
        }
    }

    private static final Sort NEWEST_FIRST = Sort.descending("id");

    private final DeviceRepository devices;
    private final SupervisorCommandRepository audit;
    private final Presence presence;
    private final DeviceCommands commands;
    private final RegistryConfig config;
    private final MeterRegistry meters;

    public SupervisorProxy(
            DeviceRepository devices,
            SupervisorCommandRepository audit,
            Presence presence,
            DeviceCommands commands,
            RegistryConfig config,
            MeterRegistry meters) {
        this.devices = devices;
        this.audit = audit;
        this.presence = presence;
        this.commands = commands;
        this.config = config;
        this.meters = meters;
    }

    /**
     * Sends {@code path} (the device API's path and query) to the matching online devices; answers one answer per
     * device, in no particular order. Fails with 404 when no matching device is online.
     */
    public Uni<List<DeviceAnswer>> send(Caller caller, ProxyRequest request, String path, String requestId) {
        Instant started = Instant.now();
        // Hibernate Reactive must write the audit on the request's own context, not on the bus's.
        Context requestContext = Vertx.currentContext();
        CommandRequest command = command(request, path, requestId);
        return Panache.withSession(() -> matching(caller, request))
                .chain(matched -> online(matched)
                        .chain(targets -> Uni.join()
                                .all(targets.stream()
                                        .map(device -> ask(device.uuid, command))
                                        .toList())
                                .andFailFast()
                                .emitOn(task -> requestContext.runOnContext(ignored -> task.run()))
                                .call(answers -> record(caller, targets, request, path, requestId, started, answers))));
    }

    private CommandRequest command(ProxyRequest request, String path, String requestId) {
        CommandRequest.Builder command = CommandRequest.newBuilder()
                // One id for every device and every attempt: an agent runs an id once.
                .setCommandId(UUID.randomUUID().toString())
                .setRequestId(Optional.ofNullable(requestId).orElse(""))
                .setMethod(request.method())
                .setPath(path);
        if (request.data() != null) {
            command.setContentType("application/json")
                    .setBody(ByteString.copyFrom(request.data().toString(), StandardCharsets.UTF_8));
        }
        return command.build();
    }

    private Uni<List<Device>> matching(Caller caller, ProxyRequest request) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters parameters = new Parameters();
        if (!caller.admin()) {
            where.append(" and ownerId = :owner");
            parameters.and("owner", caller.userId());
        }
        if (request.uuid() != null) {
            where.append(" and uuid = :uuid");
            parameters.and("uuid", request.uuid());
        }
        if (request.deviceId() != null) {
            where.append(" and id = :id");
            parameters.and("id", request.deviceId());
        }
        if (request.appId() != null) {
            where.append(" and fleetId = :fleet");
            parameters.and("fleet", request.appId());
        }
        return devices.list(where.toString(), parameters);
    }

    private Uni<List<Device>> online(List<Device> matched) {
        return presence.online(matched.stream().map(device -> device.uuid).toList())
                .map(online -> {
                    Set<String> onlineUuids = online.orElseThrow(
                            () -> ApiException.unavailable("cannot tell which devices are online; try again"));
                    List<Device> targets = matched.stream()
                            .filter(device -> onlineUuids.contains(device.uuid))
                            .toList();
                    if (targets.isEmpty()) {
                        throw ApiException.notFound("No online device(s) found");
                    }
                    return targets;
                });
    }

    private Uni<DeviceAnswer> ask(String uuid, CommandRequest command) {
        return commands.send(uuid, command, config.proxyTimeout())
                // Refused unsent: the device reconnected since presence was read; its new holder may take it.
                .onFailure(DeviceOffline.class)
                .retry()
                .atMost(1)
                .map(response -> DeviceAnswer.answered(uuid, response))
                .onFailure()
                .recoverWithItem(failure -> failed(uuid, command, failure))
                .invoke(answer -> meters.counter(
                                "rigfleet.proxy.device.answers",
                                "outcome",
                                answer.outcome().name().toLowerCase())
                        .increment());
    }

    private DeviceAnswer failed(String uuid, CommandRequest command, Throwable failure) {
        Outcome outcome;
        int status;
        if (failure instanceof DeviceOffline) {
            outcome = Outcome.OFFLINE;
            status = 503;
        } else if (failure instanceof DeviceDropped) {
            outcome = Outcome.DROPPED;
            status = 502;
        } else if (failure instanceof BusException bus && bus.reason() == BusException.Reason.TIMED_OUT) {
            outcome = Outcome.TIMED_OUT;
            status = 504;
        } else {
            outcome = Outcome.UNREACHABLE;
            status = 503;
        }
        Log.warnf(
                "Proxied %s %s to device %s: %s (%s)",
                command.getMethod(), command.getPath(), uuid, outcome.name().toLowerCase(), failure.getMessage());
        return DeviceAnswer.failed(uuid, outcome, status);
    }

    private Uni<Void> record(
            Caller caller,
            List<Device> targets,
            ProxyRequest request,
            String path,
            String requestId,
            Instant started,
            List<DeviceAnswer> answers) {
        SupervisorCommand entry = new SupervisorCommand();
        entry.requestId = requestId;
        entry.userId = caller.userId();
        entry.ownerId = targets.get(0).ownerId;
        entry.method = request.method();
        entry.url = path;
        entry.devices = new SupervisorCommand.Devices(answers.stream()
                .map(answer -> new DeviceOutcome(answer.uuid(), answer.status(), answer.outcome()))
                .toList());
        entry.createdAt = started;
        entry.durationMs = Duration.between(started, Instant.now()).toMillis();
        return Panache.withTransaction(() -> audit.persist(entry)).replaceWithVoid();
    }

    /** The proxied requests the caller sent or that went to the caller's devices, newest first. */
    public Uni<Page<SupervisorCommand>> audit(Caller caller, PageRequest paging) {
        return Panache.withSession(() -> Paging.page(
                caller.admin()
                        ? audit.findAll(NEWEST_FIRST)
                        : audit.find("ownerId = ?1 or userId = ?1", NEWEST_FIRST, caller.userId()),
                paging));
    }

    /** Why a device has no answer, as its entry or the whole response says it. */
    public static String explain(DeviceAnswer answer) {
        return switch (answer.outcome()) {
            case ANSWERED -> "";
            case OFFLINE -> "device " + answer.uuid() + " went offline before the command reached it; it did not run";
            case DROPPED ->
                "device " + answer.uuid() + " dropped its connection before it answered; the command may have run";
            case TIMED_OUT ->
                "device " + answer.uuid() + " did not answer within the proxy's time-out; the command may still run";
            case UNREACHABLE -> "the device link could not be reached; the command was not sent";
        };
    }
}
