package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.config.WorkspacesConfig;
import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Holding;
import dev.rigfleet.workspaces.model.Reservation;
import dev.rigfleet.workspaces.model.ReservationOptions;
import dev.rigfleet.workspaces.repository.AccessRuleRepository;
import dev.rigfleet.workspaces.repository.DeploymentRepository;
import dev.rigfleet.workspaces.repository.HoldingRepository;
import dev.rigfleet.workspaces.repository.ReservationRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The one operation that hands a deployment to exactly one holder, its counterpart that frees it, and the lease in
 * between. Each decision is one transaction that locks the deployment's row ({@code FOR UPDATE SKIP LOCKED}); a
 * deployment that frees is given to the next reservation in the same transaction.
 */
@ApplicationScoped
public class Allocator {

    /** What the instances service asks for on a user's behalf ({@code POST /new}). */
    public record Request(
            UUID user,
            String username,
            boolean admin,
            String type,
            UUID deployment,
            boolean reserve,
            int priority,
            Long queueTimeoutSeconds,
            ReservationOptions options) {}

    public sealed interface Outcome {}

    /** The deployment is the holder's until released or its lease runs out; {@code id} is the instance to make. */
    public record Allocated(UUID id, UUID deployment, Instant leaseExpires) implements Outcome {}

    public record Reserved(UUID id) implements Outcome {}

    public record Released(boolean released, UUID promoted) {}

    static final String NO_MATCH = "no matching wdeployment found";
    static final String RETIRED = "workspace deployment is permanently unavailable";
    static final String LOCKED_OUT = "workspace deployment is locked out (unavailable), please contact us ";
    static final String OFFLINE = "workspace deployment temporarily unavailable, try again later";
    static final String BUSY = "All matching workspace deployments are busy. Try again later.";

    private final Pool pool;
    private final DeploymentRepository deployments;
    private final HoldingRepository holdings;
    private final ReservationRepository reservations;
    private final AccessRuleRepository rules;
    private final DeploymentPresence presence;
    private final EventUrls eventUrls;
    private final PromotionOutbox promotions;
    private final WorkspacesConfig config;
    private final MeterRegistry meters;

    public Allocator(
            Pool pool,
            DeploymentRepository deployments,
            HoldingRepository holdings,
            ReservationRepository reservations,
            AccessRuleRepository rules,
            DeploymentPresence presence,
            EventUrls eventUrls,
            PromotionOutbox promotions,
            WorkspacesConfig config,
            MeterRegistry meters) {
        this.pool = pool;
        this.deployments = deployments;
        this.holdings = holdings;
        this.reservations = reservations;
        this.rules = rules;
        this.presence = presence;
        this.eventUrls = eventUrls;
        this.promotions = promotions;
        this.config = config;
        this.meters = meters;
    }

    /**
     * Allocated, reserved, or refused with the error the spec's clients expect ({@code POST /new} relays it): unknown,
     * retired, locked out, offline, not permitted, busy (without {@code reserve}), or over the per-user limit.
     */
    public Uni<Outcome> allocate(Request request) {
        if ((request.type() == null) == (request.deployment() == null)) {
            return Uni.createFrom().failure(ApiException.badRequest("give exactly one of type and deployment"));
        }
        if (request.priority() != 0 && !request.admin()) {
            return Uni.createFrom().failure(ApiException.forbidden("only admins may set a priority"));
        }
        ReservationOptions options = request.options() == null ? ReservationOptions.NONE : request.options();
        Uni<Void> eurlChecked = options.hasEurl()
                ? eventUrls.check(options.eurl())
                : Uni.createFrom().voidItem();
        return eurlChecked
                .chain(() -> candidates(request))
                .chain(candidates -> {
                    // Every candidate held as they were read, and no wish to queue: busy, without a transaction. A
                    // deployment freed since is a race the spec allows; one that looks free is decided under the lock.
                    if (!request.reserve() && candidates.stream().allMatch(d -> d.holdingId() != null)) {
                        throw ApiException.resultMessage(503, "busy", BUSY);
                    }
                    return pool.withTransaction(tx -> allocateAmong(tx, request, options, candidates));
                })
                .invoke(outcome -> meters.counter("rigfleet.allocations", "outcome", outcomeName(outcome))
                        .increment())
                .onFailure(ApiException.class)
                .invoke(refused -> meters.counter("rigfleet.allocations", "outcome", "refused")
                        .increment());
    }

    /** The deployments that could serve the request now: known, in service, not locked out, online, permitted. */
    private Uni<List<Deployment>> candidates(Request request) {
        Uni<List<Deployment>> asked = request.deployment() != null
                ? deployments.find(request.deployment()).map(d -> d == null ? List.of() : List.of(d))
                : deployments.ofType(request.type());
        return asked.chain(found -> {
            if (found.isEmpty()) {
                throw ApiException.referenceError(404, NO_MATCH);
            }
            if (found.stream().allMatch(Deployment::retired)) {
                throw ApiException.referenceError(400, RETIRED);
            }
            List<Deployment> open =
                    found.stream().filter(d -> !d.retired() && !d.lockedOut()).toList();
            if (open.isEmpty()) {
                throw ApiException.referenceError(400, LOCKED_OUT);
            }
            return presence.online(open).chain(online -> {
                List<Deployment> up =
                        open.stream().filter(d -> online.get(d.id())).toList();
                if (up.isEmpty()) {
                    throw ApiException.referenceError(503, OFFLINE);
                }
                return rules.instantiable(up.stream().map(Deployment::id).toList(), request.user(), request.username())
                        .map(allowed -> {
                            if (allowed.isEmpty() && !request.admin()) {
                                throw ApiException.forbidden(
                                        "an access rule of this workspace deployment does not let you instantiate it");
                            }
                            return request.admin()
                                    ? up
                                    : up.stream()
                                            .filter(d -> allowed.contains(d.id()))
                                            .toList();
                        });
            });
        });
    }

    private Uni<Outcome> allocateAmong(
            SqlClient tx, Request request, ReservationOptions options, List<Deployment> candidates) {
        Instant now = Instant.now();
        List<UUID> ids = candidates.stream().map(Deployment::id).toList();
        return deployments.lockFirstFree(tx, ids, now).chain(free -> {
            if (free != null) {
                return holdings.open(
                                tx,
                                UUID.randomUUID(),
                                free.id(),
                                request.user(),
                                request.username(),
                                null,
                                options,
                                config.lease())
                        .map(held -> (Outcome) new Allocated(held.id(), free.id(), held.leaseExpiresAt()));
            }
            if (!request.reserve()) {
                throw ApiException.resultMessage(503, "busy", BUSY);
            }
            return reserve(tx, request, options, candidates.get(0).type(), now);
        });
    }

    private Uni<Outcome> reserve(SqlClient tx, Request request, ReservationOptions options, String type, Instant now) {
        return reservations.lockAndCountQueued(tx, request.user()).chain(queued -> {
            if (queued >= config.maxReservations()) {
                throw ApiException.badRequest("you have " + queued + " queued reservations, the most allowed is "
                        + config.maxReservations() + "; delete one (DELETE /reservation/:id) or wait");
            }
            Instant expires =
                    request.queueTimeoutSeconds() == null ? null : now.plusSeconds(request.queueTimeoutSeconds());
            Reservation reservation = new Reservation(
                    UUID.randomUUID(),
                    0,
                    request.user(),
                    request.username(),
                    type,
                    request.deployment(),
                    request.priority(),
                    options,
                    now,
                    expires,
                    Reservation.QUEUED,
                    null);
            return reservations.insert(tx, reservation).map(stored -> (Outcome) new Reserved(stored.id()));
        });
    }

    /** Keeps the holding's deployment for another lease; 404 once the holding has ended. */
    /** A holding and the host device of its deployment, for its holder; null when there is no such holding. */
    public record HeldDeployment(Holding holding, String hostDevice) {}

    public Uni<HeldDeployment> held(UUID holdingId) {
        return holdings.find(holdingId)
                .chain(holding -> holding == null
                        ? Uni.createFrom().nullItem()
                        : deployments
                                .find(holding.deploymentId())
                                .map(deployment -> new HeldDeployment(holding, deployment.hostDevice())));
    }

    public Uni<Instant> renew(UUID holdingId) {
        return holdings.renew(holdingId, Instant.now().plus(config.lease())).map(expires -> {
            if (expires == null) {
                throw ApiException.notFound("holding " + holdingId + " has ended or never was");
            }
            return expires;
        });
    }

    /**
     * Frees the holding's deployment and, if it is online and in service, gives it to the next reservation in the
     * same transaction; the promotion is then published from the outbox.
     */
    public Uni<Released> release(UUID holdingId, String reason) {
        return release(holdingId, reason, null);
    }

    /** Releases, and flags the deployment for its owner with {@code attention} when it is not null. */
    public Uni<Released> release(UUID holdingId, String reason, String attention) {
        return holdings.find(holdingId).chain(holding -> {
            if (holding == null) {
                throw ApiException.notFound("no holding " + holdingId);
            }
            if (holding.endedAt() != null) {
                return Uni.createFrom().item(new Released(false, null));
            }
            return deployments
                    .find(holding.deploymentId())
                    .chain(presence::online)
                    .chain(online -> pool.withTransaction(tx -> (attention == null
                                    ? Uni.createFrom().voidItem()
                                    : deployments.setAttention(tx, holding.deploymentId(), attention))
                            .chain(() -> endAndPromote(tx, holding, reason, online))))
                    .call(released ->
                            released.promoted() == null ? Uni.createFrom().voidItem() : promotions.publishPending());
        });
    }

    private Uni<Released> endAndPromote(SqlClient tx, Holding holding, String reason, boolean online) {
        Instant now = Instant.now();
        return deployments
                .lock(tx, holding.deploymentId())
                .chain(deployment -> holdings.end(tx, holding.id(), deployment.id(), reason)
                        .chain(ended -> {
                            if (!ended) {
                                return Uni.createFrom().item(new Released(false, null));
                            }
                            if (!online || deployment.retired() || deployment.lockedOut()) {
                                return Uni.createFrom().item(new Released(true, null));
                            }
                            return promoteOnto(tx, deployment, now).map(promoted -> new Released(true, promoted));
                        }));
    }

    /**
     * Gives the deployment (locked by the caller, free) to the reservation that comes next for it; the reservation's
     * id, or null when none waits.
     */
    Uni<UUID> promoteOnto(SqlClient tx, Deployment deployment, Instant now) {
        return reservations.lockNext(tx, deployment, now).chain(next -> {
            if (next == null) {
                return Uni.createFrom().nullItem();
            }
            return reservations
                    .markPromoted(tx, next.id(), deployment.id(), now)
                    .chain(() -> holdings.open(
                            tx,
                            next.id(),
                            deployment.id(),
                            next.userId(),
                            next.username(),
                            next.id(),
                            next.options(),
                            config.lease()))
                    .map(Holding::id);
        });
    }

    private static String outcomeName(Outcome outcome) {
        return outcome instanceof Allocated ? "allocated" : "reserved";
    }
}
