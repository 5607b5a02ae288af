package dev.rigfleet.workspaces.repository;

import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Reservation;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** The use-queues: reservations in arrival order, and the outbox of promotions still to be published. */
@ApplicationScoped
public class ReservationRepository {

    private static final String COLUMNS = "r.id, r.seq, r.user_id, r.username, r.type, r.deployment_id, r.priority,"
            + " r.options, r.created_at, r.expires_at, r.state, r.promoted_to";
    /** Queued and not timed out: the reservations still in a queue. */
    private static final String WAITING = "r.state = 'queued' AND (r.expires_at IS NULL OR r.expires_at > $1)";

    private final Pool pool;

    public ReservationRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Counts the user's queued reservations after taking a lock on the user for the rest of the transaction, so that
     * two requests of one user cannot both pass the per-user limit.
     */
    public Uni<Long> lockAndCountQueued(SqlClient tx, UUID userId) {
        return tx.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of(userId.toString()))
                .chain(() -> tx.preparedQuery(
                                "SELECT count(*) AS n FROM reservations WHERE user_id = $1" + " AND state = 'queued'")
                        .execute(Tuple.of(userId)))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    public Uni<Reservation> insert(SqlClient tx, Reservation r) {
        return tx.preparedQuery("INSERT INTO reservations (id, user_id, username, type, deployment_id, priority,"
                        + " options, created_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                        + " 'queued') RETURNING seq")
                .execute(Tuple.from(new Object[] {
                    r.id(),
                    r.userId(),
                    r.username(),
                    r.type(),
                    r.deploymentId(),
                    r.priority(),
                    Rows.json(r.options()),
                    Rows.at(r.createdAt()),
                    Rows.at(r.expiresAt())
                }))
                .map(rows -> r);
    }

    /** The reservation's state ({@code queued}, {@code promoted}, {@code expired}, {@code deleted}), or null. */
    public Uni<String> state(UUID id) {
        return pool.preparedQuery("SELECT state FROM reservations WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getString("state") : null);
    }

    /** The queued reservations of a user (of everyone: {@code userId} null), oldest first. */
    public Uni<List<Reservation>> queued(UUID userId) {
        String sql = "SELECT " + COLUMNS + " FROM reservations r WHERE r.state = 'queued'"
                + (userId == null ? "" : " AND r.user_id = $1") + " ORDER BY r.seq";
        return pool.preparedQuery(sql)
                .execute(userId == null ? Tuple.tuple() : Tuple.of(userId))
                .map(ReservationRepository::all);
    }

    /** The reservations still waiting for hardware of these types, in arrival order. */
    public Uni<List<Reservation>> waitingOfTypes(Collection<String> types, Instant now) {
        if (types.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM reservations r WHERE " + WAITING
                        + " AND r.type = ANY($2) ORDER BY r.seq")
                .execute(Tuple.of(Rows.at(now), types.toArray(String[]::new)))
                .map(ReservationRepository::all);
    }

    /** Ends a queued reservation; the ended one, or null when it was not queued (or is not the user's). */
    public Uni<Reservation> end(SqlClient tx, UUID id, UUID userId, String state, Instant now) {
        return tx.preparedQuery("UPDATE reservations r SET state = $3, ended_at = $4 WHERE r.id = $1"
                        + " AND ($2::uuid IS NULL OR r.user_id = $2) AND r.state = 'queued' RETURNING " + COLUMNS)
                .execute(Tuple.of(id, userId, state, Rows.at(now)))
                .map(ReservationRepository::first);
    }

    /** Ends as expired every queued reservation whose time-out has passed; the ended ones. */
    public Uni<List<Reservation>> expireDue(SqlClient tx, Instant now, int limit) {
        return tx.preparedQuery("UPDATE reservations r SET state = 'expired', ended_at = $1 WHERE r.id IN ("
                        + " SELECT id FROM reservations WHERE state = 'queued' AND expires_at <= $1"
                        + " ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS)
                .execute(Tuple.of(Rows.at(now), limit))
                .map(ReservationRepository::all);
    }

    /**
     * Ends as expired the queued reservations for this one deployment (it was retired); those for its type stay.
     */
    public Uni<List<Reservation>> expireFor(SqlClient tx, UUID deploymentId, Instant now) {
        return tx.preparedQuery("UPDATE reservations r SET state = 'expired', ended_at = $2 WHERE r.deployment_id = $1"
                        + " AND r.state = 'queued' RETURNING " + COLUMNS)
                .execute(Tuple.of(deploymentId, Rows.at(now)))
                .map(ReservationRepository::all);
    }

    /**
     * Locks the reservation that comes next for the deployment: priority first, then arrival, among those the user
     * may instantiate; except that a reservation for any deployment of the type never goes ahead of an older one for
     * this very deployment. Null when none waits. Rows another transaction is promoting are skipped.
     */
    public Uni<Reservation> lockNext(SqlClient tx, Deployment d, Instant now) {
        String applicable = " FROM reservations r JOIN deployments d ON d.id = $2 WHERE " + WAITING
                + " AND (r.deployment_id = d.id OR (r.deployment_id IS NULL AND r.type = d.type)) AND "
                + AccessRuleRepository.mayInstantiate("r.user_id", "r.username");
        String first = "SELECT " + COLUMNS + applicable + " ORDER BY r.priority DESC, r.seq LIMIT 1"
                + " FOR UPDATE OF r SKIP LOCKED";
        String olderForThisOne = "SELECT " + COLUMNS + applicable + " AND r.deployment_id = d.id AND r.seq < $3"
                + " ORDER BY r.priority DESC, r.seq LIMIT 1 FOR UPDATE OF r SKIP LOCKED";
        return tx.preparedQuery(first)
                .execute(Tuple.of(Rows.at(now), d.id()))
                .map(ReservationRepository::first)
                .chain(next -> next == null || next.deploymentId() != null
                        ? Uni.createFrom().item(next)
                        : tx.preparedQuery(olderForThisOne)
                                .execute(Tuple.of(Rows.at(now), d.id(), next.seq()))
                                .map(ReservationRepository::first)
                                .map(older -> older != null ? older : next));
    }

    public Uni<Void> markPromoted(SqlClient tx, UUID id, UUID deploymentId, Instant now) {
        return tx.preparedQuery("UPDATE reservations SET state = 'promoted', ended_at = $3, promoted_to = $2"
                        + " WHERE id = $1")
                .execute(Tuple.of(id, deploymentId, Rows.at(now)))
                .replaceWithVoid();
    }

    /** Locks promotions not yet published, in the order they happened. */
    public Uni<List<Reservation>> lockUnpublished(SqlClient tx, int limit) {
        return tx.preparedQuery("SELECT " + COLUMNS + " FROM reservations r WHERE r.state = 'promoted'"
                        + " AND r.published_at IS NULL ORDER BY r.seq LIMIT $1 FOR UPDATE SKIP LOCKED")
                .execute(Tuple.of(limit))
                .map(ReservationRepository::all);
    }

    public Uni<Void> markPublished(SqlClient tx, List<UUID> ids, Instant now) {
        return tx.preparedQuery("UPDATE reservations SET published_at = $2 WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(UUID[]::new), Rows.at(now)))
                .replaceWithVoid();
    }

    /** Free deployments in service, not locked out, for which some reservation waits. */
    public Uni<List<UUID>> freeWithWaiting(Instant now) {
        return pool.preparedQuery("SELECT d.id FROM deployments d WHERE d.holding_id IS NULL AND d.retired_at IS NULL"
                        + " AND NOT d.locked_out AND EXISTS (SELECT 1 FROM reservations r WHERE " + WAITING
                        + " AND (r.deployment_id = d.id OR (r.deployment_id IS NULL AND r.type = d.type)))")
                .execute(Tuple.of(Rows.at(now)))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(row -> row.getUUID("id"))
                        .toList());
    }

    static Reservation first(RowSet<Row> rows) {
        var found = rows.iterator();
        return found.hasNext() ? map(found.next()) : null;
    }

    static List<Reservation> all(RowSet<Row> rows) {
        return StreamSupport.stream(rows.spliterator(), false)
                .map(ReservationRepository::map)
                .toList();
    }

    static Reservation map(Row row) {
        return new Reservation(
                row.getUUID("id"),
                row.getLong("seq"),
                row.getUUID("user_id"),
                row.getString("username"),
                row.getString("type"),
                row.getUUID("deployment_id"),
                row.getInteger("priority"),
                Rows.options(row, "options"),
                Rows.instant(row, "created_at"),
                Rows.instant(row, "expires_at"),
                row.getString("state"),
                row.getUUID("promoted_to"));
    }
}
