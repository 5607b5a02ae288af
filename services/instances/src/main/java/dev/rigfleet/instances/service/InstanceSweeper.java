package dev.rigfleet.instances.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.leader.Leadership;
import dev.rigfleet.instances.client.Workspaces;
import dev.rigfleet.instances.cluster.InstanceObjects;
import dev.rigfleet.instances.config.InstancesConfig;
import dev.rigfleet.instances.model.Instance.Status;
import dev.rigfleet.instances.repository.InstanceRepository;
import dev.rigfleet.proto.bus.ReservationPromoted;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The instances' upkeep, on the replica that {@link Leadership leads}: renews the leases of live instances' deployments (an instance whose
 * holding ended, by a lockout or a lapsed lease, ends too), fails instances still INIT after the time-out, ends
 * those past their {@code expire_d} or whose keep-alive stopped, forces TERMINATED those whose device never confirmed
 * the end, and deletes the cluster objects of instances that are gone ({@link InstanceObjects}). On every replica: makes instances of promoted reservations, and, when a device's agent connects again,
 * ends the instances it no longer runs.
 */
@Singleton
public class InstanceSweeper {

    private final Instances lifecycle;
    private final InstanceRepository instances;
    private final Workspaces workspaces;
    private final InstancesConfig config;
    private final Bus bus;
    private final Leadership leadership;
    private final InstanceObjects objects;

    public InstanceSweeper(
            Instances lifecycle,
            InstanceRepository instances,
            Workspaces workspaces,
            InstancesConfig config,
            Bus bus,
            Leadership leadership,
            InstanceObjects objects) {
        this.lifecycle = lifecycle;
        this.instances = instances;
        this.workspaces = workspaces;
        this.config = config;
        this.bus = bus;
        this.leadership = leadership;
        this.objects = objects;
    }

    void subscribe(@Observes StartupEvent started) {
        bus.onEvent(
                Topics.RESERVATION_PROMOTED,
                promoted -> fromPromotion(promoted)
                        .subscribe()
                        .with(
                                ignored -> {},
                                e -> Log.warnf(
                                        "Could not make the instance of promoted reservation %s (%s)",
                                        promoted.getReservationId(), e.getMessage())));
        bus.onEvent(Topics.DEVICE_CONNECTION, connection -> {
            if (connection.getOnline()) {
                lifecycle
                        .agentReconnected(connection.getUuid())
                        .subscribe()
                        .with(
                                ignored -> {},
                                e -> Log.warnf(
                                        "Could not check the instances of device %s after it reconnected (%s)",
                                        connection.getUuid(), e.getMessage()));
            }
        });
    }

    @Scheduled(
            every = "${rigfleet.instances.sweep-interval:30s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> sweep() {
        if (!leadership.leads()) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        return each(instances.live(), this::renew)
                .chain(() -> each(
                        instances.initSince(now.minus(config.initTimeout())),
                        id -> lifecycle.end(
                                id,
                                List.of(Status.INIT),
                                "the device did not prepare the instance within "
                                        + config.initTimeout().toSeconds() + " s")))
                .chain(() -> each(
                        instances.expired(now),
                        id -> lifecycle.end(id, List.of(Status.INIT, Status.READY), "expired (expire_d)")))
                .chain(() -> each(
                        instances.unrenewed(now.minus(config.keepaliveTimeout())),
                        id -> lifecycle.end(id, List.of(Status.INIT, Status.READY), "keep-alive not renewed")))
                .chain(() -> each(
                        instances.terminatingSince(now.minus(config.terminateTimeout())), lifecycle::forceTerminated))
                .chain(() -> instances.live().chain(objects::sweepOrphans))
                .onFailure()
                .invoke(e ->
                        Log.warnf("Instance upkeep failed this time (%s); the next run tries again", e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    private Uni<Void> renew(UUID id) {
        return workspaces
                .renew(id)
                .chain(held -> held
                        ? Uni.createFrom().voidItem()
                        : lifecycle
                                .end(id, List.of(Status.INIT, Status.READY), "its deployment was taken back")
                                .replaceWithVoid());
    }

    private Uni<Void> fromPromotion(ReservationPromoted promoted) {
        var options = promoted.getOptions();
        return lifecycle.fromPromotion(
                UUID.fromString(promoted.getReservationId()),
                UUID.fromString(promoted.getUserId()),
                promoted.getUsername(),
                UUID.fromString(promoted.getDeploymentId()),
                promoted.getWorkspaceType(),
                new NewInstance(
                        options.getSshPublicKey().isEmpty() ? null : options.getSshPublicKey(),
                        options.getVpn(),
                        false,
                        options.getEurl().isEmpty() ? null : options.getEurl(),
                        options.getExpireD() == 0 ? null : options.getExpireD(),
                        options.getKeepalive(),
                        0,
                        null));
    }

    private static Uni<Void> each(Uni<List<UUID>> ids, Function<UUID, Uni<?>> step) {
        return ids.onItem()
                .transformToMulti(found -> Multi.createFrom().iterable(found))
                .onItem()
                .transformToUniAndConcatenate(step)
                .collect()
                .last()
                .replaceWithVoid();
    }
}
