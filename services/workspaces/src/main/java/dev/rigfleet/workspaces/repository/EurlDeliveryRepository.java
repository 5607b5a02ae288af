package dev.rigfleet.workspaces.repository;

import dev.rigfleet.workspaces.model.EurlDelivery;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** Callbacks owed and made: written in the transaction of the change they report, delivered after it. */
@ApplicationScoped
public class EurlDeliveryRepository {

    private static final String COLUMNS =
            "id, user_id, url, payload, created_at, state, attempts, last_status, last_error, finished_at";

    private final Pool pool;

    public EurlDeliveryRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Void> owe(SqlClient tx, UUID userId, String url, Map<String, Object> payload, Instant now) {
        return tx.preparedQuery("INSERT INTO eurl_deliveries (id, user_id, url, payload, created_at, state,"
                        + " next_attempt_at) VALUES ($1, $2, $3, $4, $5, 'pending', $5)")
                .execute(Tuple.of(UUID.randomUUID(), userId, url, new JsonObject(payload), Rows.at(now)))
                .replaceWithVoid();
    }

    /**
     * Takes up to {@code limit} deliveries that are due, and puts each out of the others' reach for {@code claim}
     * (longer than one attempt takes), so that two replicas do not call one URL at once.
     */
    public Uni<List<EurlDelivery>> claimDue(Instant now, Duration claim, int limit) {
        return pool.preparedQuery("UPDATE eurl_deliveries SET next_attempt_at = $2 WHERE id IN (SELECT id FROM"
                        + " eurl_deliveries WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at"
                        + " LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING " + COLUMNS)
                .execute(Tuple.of(Rows.at(now), Rows.at(now.plus(claim)), limit))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(EurlDeliveryRepository::map)
                        .toList());
    }

    /** Records an attempt; {@code nextAttempt} null ends the delivery in {@code state}. */
    public Uni<Void> record(UUID id, String state, Integer status, String error, Instant nextAttempt, Instant now) {
        return pool.preparedQuery("UPDATE eurl_deliveries SET state = $2, attempts = attempts + 1, last_status = $3,"
                        + " last_error = $4, next_attempt_at = $5, finished_at = CASE WHEN $2 = 'pending' THEN NULL"
                        + " ELSE $6 END WHERE id = $1")
                .execute(Tuple.from(new Object[] {
                    id, state, status, error == null ? null : abbreviate(error), Rows.at(nextAttempt), Rows.at(now)
                }))
                .replaceWithVoid();
    }

    public Uni<List<EurlDelivery>> ofUser(UUID userId, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM eurl_deliveries WHERE user_id = $1"
                        + " ORDER BY created_at DESC LIMIT $2")
                .execute(Tuple.of(userId, limit))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(EurlDeliveryRepository::map)
                        .toList());
    }

    private static String abbreviate(String error) {
        return error.length() > 500 ? error.substring(0, 499) + "…" : error;
    }

    static EurlDelivery map(Row row) {
        return new EurlDelivery(
                row.getUUID("id"),
                row.getUUID("user_id"),
                row.getString("url"),
                row.getJsonObject("payload").getMap(),
                Rows.instant(row, "created_at"),
                row.getString("state"),
                row.getInteger("attempts"),
                row.getInteger("last_status"),
                row.getString("last_error"),
                Rows.instant(row, "finished_at"));
    }
}
