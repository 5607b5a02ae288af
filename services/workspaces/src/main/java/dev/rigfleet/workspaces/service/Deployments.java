package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.client.RegistryDevices;
import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Holding;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.repository.DeploymentRepository;
import dev.rigfleet.workspaces.repository.HoldingRepository;
import dev.rigfleet.workspaces.repository.WorkspaceTypeRepository;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Deployments as their owners manage them: made of the owner's enrolled devices, changed, locked out and retired.
 * Another owner's deployment is unknown on these routes.
 */
@ApplicationScoped
public class Deployments {

    private static final Pattern DEVICE_UUID = Pattern.compile("[0-9a-f]{32}");

    /** What the owner gives; null fields keep their value on an update. */
    public record Spec(
            String type, String host, List<String> peripherals, String region, String desc, Integer typeVersion) {}

    private final Pool pool;
    private final DeploymentRepository deployments;
    private final HoldingRepository holdings;
    private final WorkspaceTypeRepository types;
    private final RegistryDevices registry;
    private final Reservations reservations;
    private final Allocator allocator;

    public Deployments(
            Pool pool,
            DeploymentRepository deployments,
            HoldingRepository holdings,
            WorkspaceTypeRepository types,
            RegistryDevices registry,
            Reservations reservations,
            Allocator allocator) {
        this.pool = pool;
        this.deployments = deployments;
        this.holdings = holdings;
        this.types = types;
        this.registry = registry;
        this.reservations = reservations;
        this.allocator = allocator;
    }

    /** Any deployment, for the public routes; 404 when unknown. */
    public Uni<Deployment> find(UUID id) {
        return deployments.find(id).map(found -> {
            if (found == null) {
                throw ApiException.notFound("no workspace deployment found with given ID");
            }
            return found;
        });
    }

    /** A deployment the requester manages (its owner, or an admin); another owner's is unknown. */
    public Uni<Deployment> managed(Requester requester, UUID id) {
        return deployments.find(id).map(found -> {
            if (found == null || !requester.mayManage(found.ownerId())) {
                throw ApiException.notFound("no workspace deployment found with given ID");
            }
            return found;
        });
    }

    /** Its holder, for its owner's eyes. */
    public Uni<Holding> holder(Deployment deployment) {
        return deployment.holdingId() == null ? Uni.createFrom().nullItem() : holdings.find(deployment.holdingId());
    }

    public Uni<Deployment> create(Requester requester, String authorization, Spec spec) {
        if (spec.type() == null || spec.host() == null) {
            throw ApiException.badRequest("a deployment needs a type and a host device");
        }
        List<String> devices = devices(spec.host(), spec.peripherals());
        return types.exists(spec.type())
                .chain(known -> {
                    if (!known) {
                        throw ApiException.badRequest("no workspace type " + spec.type());
                    }
                    return owner(requester, authorization, devices);
                })
                .chain(owner -> deployments.hostInService(spec.host()).chain(taken -> {
                    if (taken) {
                        throw ApiException.conflict("device " + spec.host() + " is the host of a deployment already");
                    }
                    return deployments.insert(new Deployment(
                            UUID.randomUUID(),
                            spec.type(),
                            spec.typeVersion() == null ? 1 : spec.typeVersion(),
                            owner,
                            spec.host(),
                            devices.subList(1, devices.size()),
                            spec.region() == null ? "" : spec.region(),
                            spec.desc() == null ? "" : spec.desc(),
                            0,
                            Instant.now(),
                            null,
                            false,
                            null,
                            0,
                            null));
                }))
                // Two creations with one host at once: the unique index decides.
                .onFailure(e -> e.getMessage() != null && e.getMessage().contains("deployments_one_per_host"))
                .transform(
                        e -> ApiException.conflict("device " + spec.host() + " is the host of a deployment already"));
    }

    public Uni<Deployment> update(Requester requester, String authorization, UUID id, Spec spec) {
        if (spec.type() != null || spec.host() != null) {
            throw ApiException.badRequest("a deployment's type and host cannot change; retire it and make another");
        }
        return managed(requester, id).chain(found -> {
            if (found.retired()) {
                throw ApiException.badRequest("workspace deployment is permanently unavailable");
            }
            Uni<Void> checked = spec.peripherals() == null
                    ? Uni.createFrom().voidItem()
                    : owner(requester, authorization, devices(found.hostDevice(), spec.peripherals()))
                            .map(owner -> {
                                if (!owner.equals(found.ownerId())) {
                                    throw ApiException.badRequest("every device of a deployment must be its owner's");
                                }
                                return null;
                            });
            return checked.chain(
                    () -> deployments.update(id, spec.region(), spec.desc(), spec.typeVersion(), spec.peripherals()));
        });
    }

    /**
     * Takes the deployment out of service for good: no new allocation, its own queue ends (as expired), a running
     * holder may finish.
     */
    public Uni<Deployment> retire(Requester requester, UUID id) {
        return managed(requester, id)
                .chain(found -> pool.withTransaction(
                        tx -> deployments.retire(tx, id, Instant.now()).chain(() -> reservations.expireFor(tx, id))))
                .chain(() -> deployments.find(id));
    }

    /** Clears what the owner was asked to look at. */
    public Uni<Deployment> clearAttention(Requester requester, UUID id) {
        return managed(requester, id)
                .call(found -> deployments.setAttention(pool, id, null))
                .chain(() -> deployments.find(id));
    }

    /** Locks out (or lets in again); a running holder may finish unless {@code terminate}. */
    public Uni<Deployment> lockout(Requester requester, UUID id, boolean lockedOut, boolean terminate) {
        return managed(requester, id)
                .call(found -> pool.withTransaction(tx -> deployments.setLockedOut(tx, id, lockedOut)))
                .call(found -> lockedOut && terminate && found.holdingId() != null
                        ? allocator.release(found.holdingId(), "lockout")
                        : Uni.createFrom().voidItem())
                .chain(() -> deployments.find(id));
    }

    /** The one owner of all the devices, checked with the registry as the requester; 400 when they are not one's. */
    private Uni<UUID> owner(Requester requester, String authorization, List<String> devices) {
        return Multi.createFrom()
                .iterable(devices)
                .onItem()
                .transformToUniAndConcatenate(uuid -> registry.visibleTo(authorization, uuid))
                .collect()
                .asList()
                .map(found -> {
                    Set<UUID> owners = new LinkedHashSet<>();
                    found.forEach(device -> owners.add(device.owner()));
                    if (owners.size() != 1) {
                        throw ApiException.badRequest("every device of a deployment must have the same owner");
                    }
                    UUID owner = owners.iterator().next();
                    if (!requester.mayManage(owner)) {
                        throw ApiException.badRequest("the devices are not yours");
                    }
                    return owner;
                });
    }

    private static List<String> devices(String host, List<String> peripherals) {
        List<String> all = new ArrayList<>();
        all.add(host);
        if (peripherals != null) {
            all.addAll(peripherals);
        }
        for (String uuid : all) {
            if (uuid == null || !DEVICE_UUID.matcher(uuid).matches()) {
                throw ApiException.badRequest("device ids are 32 lower-case hex digits, not '" + uuid + "'");
            }
        }
        if (new LinkedHashSet<>(all).size() != all.size()) {
            throw ApiException.badRequest("a device may appear only once in a deployment");
        }
        if (all.size() > 16) {
            throw ApiException.badRequest("a deployment has at most 15 peripheral devices");
        }
        return all;
    }
}
