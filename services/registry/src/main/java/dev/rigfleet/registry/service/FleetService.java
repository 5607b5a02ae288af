package dev.rigfleet.registry.service;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.registry.config.RegistryConfig;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.Fleet;
import dev.rigfleet.registry.model.ProvisioningKey;
import dev.rigfleet.registry.model.Release;
import dev.rigfleet.registry.model.ServiceSpec;
import dev.rigfleet.registry.repository.DeviceRepository;
import dev.rigfleet.registry.repository.EnvVarRepository;
import dev.rigfleet.registry.repository.FleetRepository;
import dev.rigfleet.registry.repository.ProvisioningKeyRepository;
import dev.rigfleet.registry.repository.ReleaseRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.hibernate.exception.ConstraintViolationException;

/** Fleets, their releases and target release, their environment and their provisioning keys. */
@ApplicationScoped
public class FleetService {

    public enum FleetOrder {
        INC_NAME(Sort.ascending("name", "id")),
        DEC_NAME(Sort.descending("name", "id")),
        INC_CREATED(Sort.ascending("createdAt", "id")),
        DEC_CREATED(Sort.descending("createdAt", "id"));

        final Sort sort;

        FleetOrder(Sort sort) {
            this.sort = sort;
        }
    }

    private final FleetRepository fleets;
    private final ReleaseRepository releases;
    private final DeviceRepository devices;
    private final EnvVarRepository env;
    private final ProvisioningKeyRepository keys;
    private final Lookups lookups;
    private final TargetStates targetStates;
    private final RegistryConfig config;

    public FleetService(
            FleetRepository fleets,
            ReleaseRepository releases,
            DeviceRepository devices,
            EnvVarRepository env,
            ProvisioningKeyRepository keys,
            Lookups lookups,
            TargetStates targetStates,
            RegistryConfig config) {
        this.fleets = fleets;
        this.releases = releases;
        this.devices = devices;
        this.env = env;
        this.keys = keys;
        this.lookups = lookups;
        this.targetStates = targetStates;
        this.config = config;
    }

    public Uni<Fleet> create(Caller caller, String name) {
        Fleet fleet = new Fleet();
        fleet.name = name;
        fleet.ownerId = caller.userId();
        fleet.createdAt = Instant.now();
        return Panache.withTransaction(() -> fleets.persist(fleet))
                .onFailure(ConstraintViolationException.class)
                .transform(e -> ApiException.conflict("you have a fleet named " + name + " already"));
    }

    /** The caller's fleets (an admin's: everyone's) whose name contains {@code query}, sorted and paged. */
    public Uni<Page<Fleet>> list(Caller caller, String query, FleetOrder order, PageRequest paging) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters parameters = new Parameters();
        if (!caller.admin()) {
            where.append(" and ownerId = :owner");
            parameters.and("owner", caller.userId());
        }
        if (query != null && !query.isBlank()) {
            where.append(" and lower(name) like :query escape '!'");
            parameters.and("query", "%" + Paging.likeLiteral(query.toLowerCase()) + "%");
        }
        return Panache.withSession(() -> Paging.page(fleets.find(where.toString(), order.sort, parameters), paging));
    }

    public Uni<Fleet> get(Caller caller, long appId) {
        return Panache.withSession(() -> lookups.fleet(caller, appId));
    }

    public Uni<Fleet> rename(Caller caller, long appId, String name) {
        return Panache.withTransaction(() -> lookups.fleet(caller, appId).chain(fleet -> {
                    if (fleet.name.equals(name)) {
                        return Uni.createFrom().item(new Changed<>(fleet, List.<Device>of()));
                    }
                    fleet.name = name;
                    return fleets.flush()
                            .chain(() -> devices.bumpFleet(fleet.id, false))
                            .map(changed -> new Changed<>(fleet, changed));
                }))
                .onFailure(ConstraintViolationException.class)
                .transform(e -> ApiException.conflict("you have a fleet named " + name + " already"))
                .call(changed -> targetStates.announce(changed.devices()))
                .map(Changed::subject);
    }

    public Uni<Void> delete(Caller caller, long appId) {
        return Panache.withTransaction(() -> lookups.fleet(caller, appId)
                .call(fleet -> devices.countInFleet(fleet.id).invoke(count -> {
                    if (count > 0) {
                        throw ApiException.conflict(
                                "fleet " + appId + " has " + count + " device(s); move or delete them first");
                    }
                }))
                .call(fleet -> {
                    // The fleet points at its target release, which points back at the fleet.
                    fleet.targetReleaseId = null;
                    return fleets.flush();
                })
                .chain(fleets::delete));
    }

    public Uni<Release> createRelease(Caller caller, long appId, String commit, List<ServiceSpec> services) {
        Set<String> names = new HashSet<>();
        Set<UUID> identities = new HashSet<>();
        for (ServiceSpec service : services) {
            if (!names.add(service.name())) {
                return Uni.createFrom()
                        .failure(ApiException.badRequest("service name " + service.name() + " appears twice"));
            }
            if (service.uuid() != null && !identities.add(service.uuid())) {
                return Uni.createFrom()
                        .failure(ApiException.badRequest("service uuid " + service.uuid() + " appears twice"));
            }
        }
        for (ServiceSpec service : services) {
            for (String route : service.routes() == null ? List.<String>of() : service.routes()) {
                if (!names.contains(route)) {
                    return Uni.createFrom()
                            .failure(ApiException.badRequest("service " + service.name() + " routes to " + route
                                    + ", which is not a service of this release"));
                }
            }
        }
        return Panache.withTransaction(() -> lookups.fleet(caller, appId)
                        .chain(fleet -> releases.ofFleet(fleet.id).chain(earlier -> {
                            Map<String, UUID> known = identitiesByName(earlier);
                            Release release = new Release();
                            release.fleetId = fleet.id;
                            release.commit = commit;
                            release.services = new Release.Services(services.stream()
                                    .map(service -> service.normalized(known.get(service.name())))
                                    .toList());
                            release.createdAt = Instant.now();
                            return releases.persist(release);
                        })))
                .onFailure(ConstraintViolationException.class)
                .transform(e ->
                        ApiException.conflict("fleet " + appId + " has a release with commit " + commit + " already"));
    }

    /** Each service name's identity in the newest release that has it ({@code newestFirst} is sorted so). */
    private static Map<String, UUID> identitiesByName(List<Release> newestFirst) {
        Map<String, UUID> known = new HashMap<>();
        for (Release release : newestFirst) {
            release.services.items().forEach(service -> known.putIfAbsent(service.name(), service.uuid()));
        }
        return known;
    }

    public Uni<List<Release>> releases(Caller caller, long appId) {
        return Panache.withSession(() -> lookups.fleet(caller, appId).chain(fleet -> releases.ofFleet(fleet.id)));
    }

    public Uni<Release> release(Caller caller, long appId, long releaseId) {
        return Panache.withSession(
                () -> lookups.fleet(caller, appId).chain(fleet -> lookups.releaseOf(fleet, releaseId)));
    }

    /** Sets the release every device of the fleet runs, except those pinned to another. */
    public Uni<Fleet> setTargetRelease(Caller caller, long appId, long releaseId) {
        return Panache.withTransaction(() -> lookups.fleet(caller, appId)
                        .call(fleet -> lookups.releaseOf(fleet, releaseId))
                        .chain(fleet -> {
                            if (Long.valueOf(releaseId).equals(fleet.targetReleaseId)) {
                                return Uni.createFrom().item(new Changed<>(fleet, List.<Device>of()));
                            }
                            fleet.targetReleaseId = releaseId;
                            return fleets.flush()
                                    .chain(() -> devices.bumpFleet(fleet.id, true))
                                    .map(changed -> new Changed<>(fleet, changed));
                        }))
                .call(changed -> targetStates.announce(changed.devices()))
                .map(Changed::subject);
    }

    public Uni<Map<String, String>> environment(Caller caller, long appId) {
        return Panache.withSession(() -> lookups.fleet(caller, appId)
                .chain(fleet -> env.ofFleet(fleet.id))
                .map(Environments::asMap));
    }

    /** Sets (or, for a null value, removes) fleet variables: one change, one new version for each device. */
    public Uni<Map<String, String>> patchEnvironment(Caller caller, long appId, Map<String, String> patch) {
        return Panache.withTransaction(() -> lookups.fleet(caller, appId)
                        .chain(fleet -> env.ofFleet(fleet.id)
                                .chain(current ->
                                        Environments.apply(env, EnvVarRepository.Scope.FLEET, fleet.id, current, patch))
                                .chain(variables -> (variables.changed()
                                                ? devices.bumpFleet(fleet.id, false)
                                                : Uni.createFrom().item(List.<Device>of()))
                                        .map(changed -> new Changed<>(variables.now(), changed)))))
                .call(changed -> targetStates.announce(changed.devices()))
                .map(Changed::subject);
    }

    /** A new key, returned with its text: the only time the text exists outside the caller. */
    public Uni<KeyWithText> createKey(
            Caller caller, long appId, String description, Long expiresInSeconds, Integer maxUses) {
        Duration ttl = expiresInSeconds == null ? config.provisioningKeyTtl() : Duration.ofSeconds(expiresInSeconds);
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(config.maxProvisioningKeyTtl()) > 0) {
            return Uni.createFrom()
                    .failure(ApiException.badRequest("expires_in must be between 1 and "
                            + config.maxProvisioningKeyTtl().toSeconds() + " seconds"));
        }
        String text = Secrets.secret();
        return Panache.withTransaction(() -> lookups.fleet(caller, appId).chain(fleet -> {
                    ProvisioningKey key = new ProvisioningKey();
                    key.keySha256 = TokenHashes.sha256(text);
                    key.fleetId = fleet.id;
                    key.description = description == null ? "" : description;
                    key.createdAt = Instant.now();
                    key.expiresAt = key.createdAt.plus(ttl);
                    key.maxUses = maxUses == null ? config.provisioningKeyUses() : maxUses;
                    return keys.persist(key);
                }))
                .map(key -> new KeyWithText(key, text));
    }

    public Uni<List<ProvisioningKey>> keys(Caller caller, long appId) {
        return Panache.withSession(() -> lookups.fleet(caller, appId).chain(fleet -> keys.ofFleet(fleet.id)));
    }

    public Uni<ProvisioningKey> revokeKey(Caller caller, long appId, long keyId) {
        return Panache.withTransaction(() -> lookups.fleet(caller, appId)
                .chain(fleet -> keys.findById(keyId).map(key -> {
                    if (key == null || !key.fleetId.equals(fleet.id)) {
                        throw ApiException.notFound("fleet " + appId + " has no provisioning key " + keyId);
                    }
                    if (key.revokedAt == null) {
                        key.revokedAt = Instant.now();
                    }
                    return key;
                })));
    }

    public record KeyWithText(ProvisioningKey key, String text) {}

    /** Something changed, and the devices whose target states changed with it. */
    record Changed<T>(T subject, List<Device> devices) {}
}
