package dev.rigfleet.registry.service;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import dev.rigfleet.registry.config.RegistryConfig;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.DeviceTransition;
import dev.rigfleet.registry.model.TargetState;
import dev.rigfleet.registry.model.Views.DeviceView;
import dev.rigfleet.registry.model.Views.Identity;
import dev.rigfleet.registry.repository.DeviceRepository;
import dev.rigfleet.registry.repository.DeviceTransitionRepository;
import dev.rigfleet.registry.repository.EnvVarRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Devices: listing, renaming, moving, tagging, pinning, environment, target state, deprovisioning, history. */
@ApplicationScoped
public class DeviceService {

    public enum DeviceOrder {
        INC_NAME(Sort.ascending("name", "id")),
        DEC_NAME(Sort.descending("name", "id")),
        INC_CREATED(Sort.ascending("createdAt", "id")),
        DEC_CREATED(Sort.descending("createdAt", "id"));

        final Sort sort;

        DeviceOrder(Sort sort) {
            this.sort = sort;
        }
    }

    /** A change to a device; null fields stay as they are, and a null tag value removes the tag. */
    public record DeviceChange(String name, Long appId, Map<String, String> tags) {}

    /** Which devices to list; null filters do not filter. {@code tag} is {@code key} or {@code key=value}. */
    public record DeviceFilter(Long appId, String query, String tag) {}

    private final DeviceRepository devices;
    private final EnvVarRepository env;
    private final DeviceTransitionRepository transitions;
    private final Lookups lookups;
    private final TargetStates targetStates;
    private final Presence presence;
    private final Bus bus;
    private final RegistryConfig config;

    public DeviceService(
            DeviceRepository devices,
            EnvVarRepository env,
            DeviceTransitionRepository transitions,
            Lookups lookups,
            TargetStates targetStates,
            Presence presence,
            Bus bus,
            RegistryConfig config) {
        this.devices = devices;
        this.env = env;
        this.transitions = transitions;
        this.lookups = lookups;
        this.targetStates = targetStates;
        this.presence = presence;
        this.bus = bus;
        this.config = config;
    }

    public Uni<Page<DeviceView>> list(Caller caller, DeviceFilter filter, DeviceOrder order, PageRequest paging) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters parameters = new Parameters();
        if (!caller.admin()) {
            where.append(" and ownerId = :owner");
            parameters.and("owner", caller.userId());
        }
        if (filter.appId() != null) {
            where.append(" and fleetId = :fleet");
            parameters.and("fleet", filter.appId());
        }
        if (filter.query() != null && !filter.query().isBlank()) {
            where.append(" and lower(name) like :query escape '!'");
            parameters.and("query", "%" + Paging.likeLiteral(filter.query().toLowerCase()) + "%");
        }
        if (filter.tag() != null && !filter.tag().isBlank()) {
            int equals = filter.tag().indexOf('=');
            if (equals < 0) {
                where.append(" and function('jsonb_exists', tags, :tagKey) = true");
                parameters.and("tagKey", filter.tag());
            } else {
                where.append(" and function('jsonb_extract_path_text', tags, :tagKey) = :tagValue");
                parameters.and("tagKey", filter.tag().substring(0, equals));
                parameters.and("tagValue", filter.tag().substring(equals + 1));
            }
        }
        return Panache.withSession(() -> Paging.page(devices.find(where.toString(), order.sort, parameters), paging))
                .chain(page -> views(page.items()).map(views -> new Page<>(views, page.pageCount())));
    }

    public Uni<DeviceView> get(Caller caller, String uuid) {
        return Panache.withSession(() -> lookups.device(caller, uuid)).chain(this::view);
    }

    public Uni<DeviceView> change(Caller caller, String uuid, DeviceChange change) {
        return Panache.withTransaction(() -> lookups.device(caller, uuid)
                        .chain(device -> movedTo(caller, device, change.appId()).map(moved -> {
                            boolean targetChanged = moved;
                            if (change.name() != null && !change.name().equals(device.name)) {
                                device.name = change.name();
                                targetChanged = true;
                            }
                            if (change.tags() != null) {
                                Map<String, String> tags = new TreeMap<>(device.tags);
                                change.tags().forEach((key, value) -> {
                                    if (value == null) {
                                        tags.remove(key);
                                    } else {
                                        tags.put(key, value);
                                    }
                                });
                                device.tags = tags;
                            }
                            if (targetChanged) {
                                device.targetVersion++;
                            }
                            return new FleetService.Changed<>(
                                    device, targetChanged ? List.of(device) : List.<Device>of());
                        })))
                .call(changed -> targetStates.announce(changed.devices()))
                .chain(changed -> view(changed.subject()));
    }

    /** Pins the device to a release of its fleet, or (null) lets it follow the fleet's target again. */
    public Uni<DeviceView> pin(Caller caller, String uuid, Long releaseId) {
        return Panache.withTransaction(() -> lookups.device(caller, uuid)
                        .chain(device -> (releaseId == null
                                        ? Uni.createFrom().voidItem()
                                        : lookups.fleet(caller, device.fleetId)
                                                .chain(fleet -> lookups.releaseOf(fleet, releaseId))
                                                .replaceWithVoid())
                                .map(ignored -> {
                                    if (Objects.equals(device.pinnedReleaseId, releaseId)) {
                                        return new FleetService.Changed<>(device, List.<Device>of());
                                    }
                                    device.pinnedReleaseId = releaseId;
                                    device.targetVersion++;
                                    return new FleetService.Changed<>(device, List.of(device));
                                })))
                .call(changed -> targetStates.announce(changed.devices()))
                .chain(changed -> view(changed.subject()));
    }

    public Uni<Map<String, String>> environment(Caller caller, String uuid) {
        return Panache.withSession(() -> lookups.device(caller, uuid)
                .chain(device -> env.ofDevice(device.id))
                .map(Environments::asMap));
    }

    public Uni<Map<String, String>> patchEnvironment(Caller caller, String uuid, Map<String, String> patch) {
        return Panache.withTransaction(() -> lookups.device(caller, uuid)
                        .chain(device -> env.ofDevice(device.id)
                                .chain(current -> Environments.apply(
                                        env, EnvVarRepository.Scope.DEVICE, device.id, current, patch))
                                .map(variables -> {
                                    if (!variables.changed()) {
                                        return new FleetService.Changed<>(variables.now(), List.<Device>of());
                                    }
                                    device.targetVersion++;
                                    return new FleetService.Changed<>(variables.now(), List.of(device));
                                })))
                .call(changed -> targetStates.announce(changed.devices()))
                .map(FleetService.Changed::subject);
    }

    public Uni<TargetState> targetState(Caller caller, String uuid) {
        return Panache.withSession(() -> lookups.device(caller, uuid).chain(targetStates::of));
    }

    /** For the device link: any device's target state, by uuid. */
    public Uni<TargetState> targetState(String uuid) {
        return Panache.withSession(() -> devices.findByUuid(uuid)
                .chain(device -> device == null
                        ? Uni.createFrom().failure(ApiException.notFound("no device " + uuid))
                        : targetStates.of(device)));
    }

    /** Revokes the device's credential and tells the coordinators to drop its connection; the record stays. */
    public Uni<DeviceView> deprovision(Caller caller, String uuid) {
        return Panache.withTransaction(() -> lookups.device(caller, uuid).map(device -> {
                    String revoked = device.credentialSha256;
                    device.credentialSha256 = null;
                    return new Deprovisioned(device, revoked);
                }))
                .call(this::announce)
                .chain(deprovisioned -> view(deprovisioned.device()));
    }

    /** Deletes the device, its environment and history; its credential stops working with it. */
    public Uni<Void> delete(Caller caller, String uuid) {
        return Panache.withTransaction(() -> lookups.device(caller, uuid)
                        .call(devices::delete)
                        .map(device -> new Deprovisioned(device, device.credentialSha256)))
                .call(this::announce)
                .replaceWithVoid();
    }

    public Uni<Page<DeviceTransition>> history(Caller caller, String uuid, PageRequest paging) {
        return Panache.withSession(() -> lookups.device(caller, uuid)
                .chain(device -> Paging.page(
                        transitions.find("deviceId", DeviceTransitionRepository.NEWEST_FIRST, device.id), paging)));
    }

    /** Which device a credential (given as its SHA-256) belongs to; 404 for an unknown or revoked one. */
    public Uni<Identity> identify(String credentialSha256) {
        return Panache.withSession(() -> devices.findByCredential(credentialSha256))
                .map(device -> {
                    if (device == null) {
                        throw ApiException.notFound("no device has that credential");
                    }
                    return new Identity(device.uuid, device.id, device.fleetId, device.ownerId);
                });
    }

    /**
     * Which enrolled device runs on this cloud instance; 404 for an unknown instance and for a deprovisioned device,
     * which must not get a session either.
     */
    public Uni<Identity> identifyInstance(String provider, String instanceId) {
        return Panache.withSession(() -> devices.findByCloudIdentity(provider, instanceId))
                .map(device -> {
                    if (device == null || device.credentialSha256 == null) {
                        throw ApiException.notFound(
                                "no enrolled device runs on " + provider + " instance " + instanceId);
                    }
                    return new Identity(device.uuid, device.id, device.fleetId, device.ownerId);
                });
    }

    /** Records that the device came online or went offline, as the device link saw it. */
    public Uni<Void> recordTransition(String uuid, boolean online, Instant at) {
        return Panache.withTransaction(() -> devices.findByUuid(uuid).chain(device -> {
            if (device == null) {
                return Uni.createFrom().failure(ApiException.notFound("no device " + uuid));
            }
            if (online && device.firstSeen == null) {
                device.firstSeen = at;
            }
            if (device.lastSeen == null || device.lastSeen.isBefore(at)) {
                device.lastSeen = at;
            }
            DeviceTransition transition = new DeviceTransition();
            transition.deviceId = device.id;
            transition.online = online;
            transition.at = at;
            return transitions
                    .persist(transition)
                    .chain(() -> transitions.flush())
                    .chain(() -> transitions.trim(device.id, config.historyPerDevice()))
                    .replaceWithVoid();
        }));
    }

    /** Keeps the state the agent last reported. */
    public Uni<Void> recordReportedState(String uuid, Map<String, Object> state) {
        return Panache.withTransaction(() -> devices.findByUuid(uuid).invoke(device -> {
                    if (device == null) {
                        throw ApiException.notFound("no device " + uuid);
                    }
                    device.reportedState = state;
                }))
                .replaceWithVoid();
    }

    /** Moves the device when {@code appId} names another fleet; answers whether it moved. */
    private Uni<Boolean> movedTo(Caller caller, Device device, Long appId) {
        if (appId == null || appId.equals(device.fleetId)) {
            return Uni.createFrom().item(false);
        }
        return lookups.fleet(caller, appId).map(fleet -> {
            if (!fleet.ownerId.equals(device.ownerId)) {
                throw ApiException.badRequest("fleet " + appId + " belongs to another owner than the device");
            }
            device.fleetId = fleet.id;
            // A pin names a release of the old fleet.
            device.pinnedReleaseId = null;
            return true;
        });
    }

    private record Deprovisioned(Device device, String credentialSha256) {}

    private Uni<Void> announce(Deprovisioned deprovisioned) {
        if (deprovisioned.credentialSha256() == null) {
            return Uni.createFrom().voidItem();
        }
        Device device = deprovisioned.device();
        DeviceDeprovisioned event = DeviceDeprovisioned.newBuilder()
                .setDeviceId(device.id)
                .setUuid(device.uuid)
                .setCredentialSha256(deprovisioned.credentialSha256())
                .build();
        return bus.publish(Topics.DEVICE_DEPROVISIONED, event)
                .onFailure()
                .invoke(e -> Log.warnf(
                        "Device %s is deprovisioned but the coordinators could not be told (%s); its next"
                                + " credential check fails",
                        device.uuid, e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    private Uni<DeviceView> view(Device device) {
        return views(List.of(device)).map(views -> views.get(0));
    }

    private Uni<List<DeviceView>> views(List<Device> page) {
        return presence.online(page.stream().map(device -> device.uuid).toList())
                .map(online -> page.stream()
                        .map(device -> DeviceView.of(
                                device,
                                online.map(set -> set.contains(device.uuid)).orElse(null)))
                        .toList());
    }
}
