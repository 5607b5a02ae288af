package dev.rigfleet.workspaces.repository;

import dev.rigfleet.workspaces.model.Holding;
import dev.rigfleet.workspaces.model.ReservationOptions;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** Who holds which deployment, and since when; a holding and its deployment's {@code holding_id} change together. */
@ApplicationScoped
public class HoldingRepository {

    private static final String COLUMNS =
            "id, deployment_id, user_id, username, reservation_id, started_at, lease_expires_at, ended_at";

    private final Pool pool;

    public HoldingRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Hands the deployment, whose row the caller has locked and found free, to the holder. Its times are the
     * database's clock when the statement runs, under the lock, not when the request began: so a holding always
     * starts after the one before it ended, and the history shows no overlap.
     */
    public Uni<Holding> open(
            SqlClient tx,
            UUID id,
            UUID deploymentId,
            UUID userId,
            String username,
            UUID reservationId,
            ReservationOptions options,
            Duration lease) {
        return tx.preparedQuery("INSERT INTO holdings (id, deployment_id, user_id, username, reservation_id, options,"
                        + " started_at, lease_expires_at) VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp(),"
                        + " clock_timestamp() + make_interval(secs => $7)) RETURNING " + COLUMNS)
                .execute(Tuple.from(new Object[] {
                    id,
                    deploymentId,
                    userId,
                    username,
                    reservationId,
                    Rows.json(options),
                    (double) lease.toMillis() / 1000
                }))
                .map(rows -> map(rows.iterator().next()))
                .call(() -> tx.preparedQuery("UPDATE deployments SET holding_id = $1 WHERE id = $2")
                        .execute(Tuple.of(id, deploymentId)));
    }

    /** Ends the holding (at the database's clock, as {@link #open}) and frees its deployment; false when it had ended. */
    public Uni<Boolean> end(SqlClient tx, UUID id, UUID deploymentId, String reason) {
        return tx.preparedQuery("UPDATE holdings SET ended_at = clock_timestamp(), end_reason = $2"
                        + " WHERE id = $1 AND ended_at IS NULL")
                .execute(Tuple.of(id, reason))
                .chain(ended -> ended.rowCount() == 0
                        ? Uni.createFrom().item(false)
                        : tx.preparedQuery("UPDATE deployments SET holding_id = NULL, icounter = icounter + 1"
                                        + " WHERE id = $1 AND holding_id = $2")
                                .execute(Tuple.of(deploymentId, id))
                                .replaceWith(true));
    }

    public Uni<Holding> find(UUID id) {
        return find(pool, id);
    }

    public Uni<Holding> find(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM holdings WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : map(rows.iterator().next()));
    }

    /** Extends an open lease; null when the holding has ended (or never was). */
    public Uni<Instant> renew(UUID id, Instant leaseExpiresAt) {
        return pool.preparedQuery(
                        "UPDATE holdings SET lease_expires_at = $2 WHERE id = $1 AND ended_at IS NULL RETURNING id")
                .execute(Tuple.of(id, Rows.at(leaseExpiresAt)))
                .map(rows -> rows.rowCount() == 0 ? null : leaseExpiresAt);
    }

    /** Open holdings whose lease ran out before {@code now}, oldest first. */
    public Uni<List<Holding>> lapsed(Instant now, int limit) {
        return pool.preparedQuery(
                        "SELECT " + COLUMNS + " FROM holdings WHERE ended_at IS NULL AND lease_expires_at < $1"
                                + " ORDER BY lease_expires_at LIMIT $2")
                .execute(Tuple.of(Rows.at(now), limit))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(HoldingRepository::map)
                        .toList());
    }

    static Holding map(Row row) {
        return new Holding(
                row.getUUID("id"),
                row.getUUID("deployment_id"),
                row.getUUID("user_id"),
                row.getString("username"),
                row.getUUID("reservation_id"),
                Rows.instant(row, "started_at"),
                Rows.instant(row, "lease_expires_at"),
                Rows.instant(row, "ended_at"));
    }
}
