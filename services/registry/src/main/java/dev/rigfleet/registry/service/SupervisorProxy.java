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
import dev.rigfleet.registry.model.SupervisorCommand;
import dev.rigfleet.registry.model.SupervisorCommand.Outcome;
import dev.rigfleet.registry.repository.SupervisorCommandRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** A device the call may go to: whose it is, and who holds it once presence was read. */
    private record Target(String uuid, UUID owner, Presence.Holder holder) {}

    private final ProxyDevices devices;
    private final ProxyAudit auditRows;
    private final SupervisorCommandRepository audit;
    private final Presence presence;
    private final DeviceCommands commands;
    private final RegistryConfig config;
    private final Map<Outcome, Counter> answersByOutcome = new EnumMap<>(Outcome.class);

    public SupervisorProxy(
            ProxyDevices devices,
            ProxyAudit auditRows,
            SupervisorCommandRepository audit,
            Presence presence,
            DeviceCommands commands,
            RegistryConfig config,
            MeterRegistry meters) {
        this.devices = devices;
        this.auditRows = auditRows;
        this.audit = audit;
        this.presence = presence;
        this.commands = commands;
        this.config = config;
        for (Outcome outcome : Outcome.values()) {
            answersByOutcome.put(outcome, meters.counter("rigfleet.proxy.device.answers", "outcome", outcome.json()));
        }
    }

    /**
     * Sends {@code path} (the device API's path and query) to the matching online devices; answers one answer per
     * device, in no particular order. Fails with 404 when no matching device is online.
     */
    public Uni<List<DeviceAnswer>> send(Caller caller, ProxyRequest request, String path, String requestId) {
        Instant started = Instant.now();
        CommandRequest command = command(request, path, requestId);
        return devices.matching(caller, request)
                .chain(matched -> online(matched)
                        .chain(targets -> Uni.join()
                                .all(targets.stream()
                                        .map(target -> ask(target.uuid(), target.holder(), command))
                                        .toList())
                                .andFailFast()
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

    private Uni<List<Target>> online(List<ProxyDevices.Matched> matched) {
        return presence.holders(matched.stream().map(ProxyDevices.Matched::uuid).toList())
                .map(online -> {
                    Map<String, Presence.Holder> holders = online.orElseThrow(
                            () -> ApiException.unavailable("cannot tell which devices are online; try again"));
                    List<Target> targets = matched.stream()
                            .filter(device -> holders.containsKey(device.uuid()))
                            .map(device -> new Target(device.uuid(), device.owner(), holders.get(device.uuid())))
                            .toList();
                    if (targets.isEmpty()) {
                        throw ApiException.notFound("No online device(s) found");
                    }
                    return targets;
                });
    }

    private Uni<DeviceAnswer> ask(String uuid, Presence.Holder holder, CommandRequest command) {
        return commands.send(uuid, holder, command, config.proxyTimeout())
                // Refused unsent: the device reconnected since presence was read; its new holder may take it.
                .onFailure(DeviceOffline.class)
                .recoverWithUni(() -> commands.send(uuid, command, config.proxyTimeout()))
                .map(response -> DeviceAnswer.answered(uuid, response))
                .onFailure()
                .recoverWithItem(failure -> failed(uuid, command, failure))
                .invoke(answer -> answersByOutcome.get(answer.outcome()).increment());
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
        } else if (failure instanceof BusException bus && bus.reason() == BusException.Reason.REMOTE_FAILURE) {
            outcome = DeviceCommands.DUPLICATE.equals(bus.remoteCode())
                    ? Outcome.DUPLICATE
                    : BusException.NO_HANDLER.equals(bus.remoteCode()) ? Outcome.NO_HANDLER : Outcome.HANDLER_FAILED;
            status = outcome == Outcome.DUPLICATE ? 409 : 502;
        } else {
            outcome = Outcome.UNREACHABLE;
            status = 503;
        }
        Log.warnf(
                "Proxied %s %s to device %s: %s (%s)",
                command.getMethod(), command.getPath(), uuid, outcome.json(), failure.getMessage());
        return DeviceAnswer.failed(uuid, outcome, status);
    }

    /** Records the call once every device answered ({@link ProxyAudit}: after the answer, not before). */
    private Uni<Void> record(
            Caller caller,
            List<Target> targets,
            ProxyRequest request,
            String path,
            String requestId,
            Instant started,
            List<DeviceAnswer> answers) {
        JsonArray outcomes = new JsonArray();
        answers.forEach(answer -> outcomes.add(new JsonObject()
                .put("uuid", answer.uuid())
                .put("statusCode", answer.status())
                .put("outcome", answer.outcome().json())));
        return auditRows.record(Tuple.from(Arrays.<Object>asList(
                requestId,
                caller.userId(),
                targets.get(0).owner(),
                request.method(),
                path,
                new JsonObject().put("items", outcomes),
                Duration.between(started, Instant.now()).toMillis(),
                started.atOffset(ZoneOffset.UTC))));
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
            case DUPLICATE ->
                "a command of the same id is still waiting for device " + answer.uuid() + "; this one was not sent";
            case HANDLER_FAILED ->
                "the coordinator holding device " + answer.uuid() + " could not handle the command; retry shortly";
            case NO_HANDLER ->
                "the replica holding device " + answer.uuid() + " does not take device commands; retry shortly";
            case UNREACHABLE -> "the device link could not be reached; the command was not sent";
        };
    }
}
