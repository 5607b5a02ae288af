package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.leader.Leadership;
import dev.rigfleet.workspaces.model.Holding;
import dev.rigfleet.workspaces.repository.DeploymentRepository;
import dev.rigfleet.workspaces.repository.HoldingRepository;
import dev.rigfleet.workspaces.repository.ReservationRepository;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The queues' upkeep, run by the replica that {@link Leadership leads} (each step also locks what it works on, so
 * that a run overlapping a change of leader is harmless): frees deployments whose lease ran out, ends reservations past their time-out, hands free online deployments to
 * waiting reservations (a device that comes back online triggers a run at once), and sends promotions still owed.
 */
@ApplicationScoped
public class QueueSweeper {

    private static final int BATCH = 100;

    private final Pool pool;
    private final Allocator allocator;
    private final Reservations reservationService;
    private final ReservationRepository reservations;
    private final DeploymentRepository deployments;
    private final HoldingRepository holdings;
    private final DeploymentPresence presence;
    private final PromotionOutbox outbox;
    private final Bus bus;
    private final Leadership leadership;
    private final AtomicBoolean running = new AtomicBoolean();

    public QueueSweeper(
            Pool pool,
            Allocator allocator,
            Reservations reservationService,
            ReservationRepository reservations,
            DeploymentRepository deployments,
            HoldingRepository holdings,
            DeploymentPresence presence,
            PromotionOutbox outbox,
            Bus bus,
            Leadership leadership) {
        this.pool = pool;
        this.allocator = allocator;
        this.reservationService = reservationService;
        this.reservations = reservations;
        this.deployments = deployments;
        this.holdings = holdings;
        this.presence = presence;
        this.outbox = outbox;
        this.bus = bus;
        this.leadership = leadership;
    }

    void subscribe(@Observes StartupEvent started) {
        bus.onEvent(Topics.DEVICE_CONNECTION, connection -> {
            if (connection.getOnline()) {
                sweep().subscribe().with(ignored -> {}, e -> {});
            }
        });
    }

    @Scheduled(every = "${rigfleet.workspaces.sweep-interval:5s}", delayed = "1s")
    public Uni<Void> sweep() {
        if (!leadership.leads() || !running.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return freeLapsedLeases()
                .chain(reservationService::expireDue)
                .chain(this::promoteOntoFree)
                .chain(outbox::publishPending)
                .replaceWithVoid()
                .onFailure()
                .invoke(e -> Log.warnf("Queue upkeep failed this time (%s); the next run tries again", e.getMessage()))
                .onFailure()
                .recoverWithNull()
                .eventually(() -> running.set(false));
    }

    private Uni<Void> freeLapsedLeases() {
        return holdings.lapsed(Instant.now(), BATCH)
                .onItem()
                .transformToMulti(lapsed -> Multi.createFrom().iterable(lapsed))
                .onItem()
                .transformToUniAndConcatenate(this::expire)
                .collect()
                .last()
                .replaceWithVoid();
    }

    private Uni<Void> expire(Holding holding) {
        Log.infof(
                "Lease of holding %s on deployment %s ran out (its holder stopped renewing); freeing the deployment",
                holding.id(), holding.deploymentId());
        return allocator.release(holding.id(), "lease_expired").replaceWithVoid();
    }

    private Uni<Void> promoteOntoFree() {
        return reservations
                .freeWithWaiting(Instant.now())
                .onItem()
                .transformToMulti(free -> Multi.createFrom().iterable(free))
                .onItem()
                .transformToUniAndConcatenate(this::promoteIfOnline)
                .collect()
                .last()
                .replaceWithVoid();
    }

    private Uni<Void> promoteIfOnline(UUID deploymentId) {
        return deployments
                .find(deploymentId)
                .chain(d -> presence.online(d)
                        .chain(online -> !online
                                ? Uni.createFrom().voidItem()
                                : pool.withTransaction(tx -> deployments
                                        .lock(tx, deploymentId)
                                        .chain(locked -> {
                                            if (locked.holdingId() != null || locked.retired() || locked.lockedOut()) {
                                                return Uni.createFrom().voidItem();
                                            }
                                            return allocator
                                                    .promoteOnto(tx, locked, Instant.now())
                                                    .replaceWithVoid();
                                        }))));
    }
}
