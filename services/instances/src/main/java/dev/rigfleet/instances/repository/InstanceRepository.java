package dev.rigfleet.instances.repository;

import dev.rigfleet.instances.model.FirewallRule;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.model.Instance.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** Instances in SQL; a state change names the states it may leave, so that two changes at once cannot both win. */
@ApplicationScoped
public class InstanceRepository {

    private static final String COLUMNS = "id, user_id, username, deployment_id, type, region, status, status_reason,"
            + " started_at, ended_at, expires_at, keepalive, public_key, sealed_private_key, eurl, fwd_ipv4, fwd_port,"
            + " hostkeys, host_device, tunnel_url, firewall, vpn";

    private final Pool pool;

    public InstanceRepository(Pool pool) {
        this.pool = pool;
    }

    /** Counts the user's live instances after locking the user for the rest of the transaction. */
    public Uni<Long> lockAndCountLive(SqlClient tx, UUID userId) {
        return tx.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .execute(Tuple.of(userId.toString()))
                .chain(() -> tx.preparedQuery("SELECT count(*) AS n FROM instances WHERE user_id = $1"
                                + " AND status IN ('INIT', 'READY', 'TERMINATING')")
                        .execute(Tuple.of(userId)))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    public Uni<Long> countLive(UUID userId) {
        return pool.preparedQuery("SELECT count(*) AS n FROM instances WHERE user_id = $1"
                        + " AND status IN ('INIT', 'READY', 'TERMINATING')")
                .execute(Tuple.of(userId))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Stores a new instance; false when one of that id exists already (a promotion seen twice). */
    public Uni<Boolean> insert(SqlClient client, Instance i) {
        return client.preparedQuery("INSERT INTO instances (id, user_id, username, deployment_id, type, region, status,"
                        + " started_at, expires_at, keepalive, last_keepalive_at, public_key, sealed_private_key, eurl, vpn)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8, $11, $12, $13, $14)"
                        + " ON CONFLICT (id) DO NOTHING")
                .execute(Tuple.from(new Object[] {
                    i.id(),
                    i.userId(),
                    i.username(),
                    i.deploymentId(),
                    i.type(),
                    i.region(),
                    i.status().name(),
                    at(i.startedAt()),
                    at(i.expiresAt()),
                    i.keepalive(),
                    i.publicKey(),
                    i.sealedPrivateKey(),
                    i.eurl(),
                    i.vpn()
                }))
                .map(rows -> rows.rowCount() > 0);
    }

    public Uni<Instance> find(UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM instances WHERE id = $1")
                .execute(Tuple.of(id))
                .map(InstanceRepository::first);
    }

    /** The user's instances (everyone's: {@code userId} null) in one of the statuses, by start date. */
    public Uni<List<Instance>> list(UUID userId, List<Status> statuses, boolean newestFirst) {
        String sql = "SELECT " + COLUMNS + " FROM instances WHERE status = ANY($1)"
                + (userId == null ? "" : " AND user_id = $2") + " ORDER BY started_at " + (newestFirst ? "DESC" : "ASC")
                + ", id";
        String[] names = statuses.stream().map(Status::name).toArray(String[]::new);
        return pool.preparedQuery(sql)
                .execute(userId == null ? Tuple.of(names) : Tuple.of(names, userId))
                .map(InstanceRepository::all);
    }

    /**
     * Moves the instance from one of {@code from} to {@code to}; the changed instance, or null when it was in none of
     * them. An end (INIT_FAIL, TERMINATED) stamps the end time and drops the sealed private key.
     */
    public Uni<Instance> transition(UUID id, List<Status> from, Status to, String reason) {
        boolean ends = to == Status.INIT_FAIL || to == Status.TERMINATED;
        String sql = "UPDATE instances SET status = $3, status_reason = $4, status_at = clock_timestamp()"
                + (ends ? ", ended_at = clock_timestamp(), sealed_private_key = NULL" : "")
                + " WHERE id = $1 AND status = ANY($2) RETURNING " + COLUMNS;
        return pool.preparedQuery(sql)
                .execute(Tuple.of(id, from.stream().map(Status::name).toArray(String[]::new), to.name(), reason))
                .map(InstanceRepository::first);
    }

    /** INIT to READY with what the device made; null when it is no longer INIT (it failed meanwhile). */
    public Uni<Instance> ready(
            UUID id,
            String hostDevice,
            String fwdIpv4,
            int fwdPort,
            List<String> hostkeys,
            String tunnelUrl,
            List<FirewallRule> firewall) {
        return pool.preparedQuery("UPDATE instances SET status = 'READY', status_at = clock_timestamp(),"
                        + " host_device = $2, fwd_ipv4 = $3, fwd_port = $4, hostkeys = $5, tunnel_url = $6,"
                        + " firewall = $7 WHERE id = $1 AND status = 'INIT' RETURNING " + COLUMNS)
                .execute(Tuple.from(new Object[] {
                    id, hostDevice, fwdIpv4, fwdPort, new JsonArray(hostkeys), tunnelUrl, chain(firewall)
                }))
                .map(InstanceRepository::first);
    }

    /** The instance, locked for the rest of the transaction (changes to one instance's firewall go one at a time). */
    public Uni<Instance> lock(SqlClient tx, UUID id) {
        return tx.preparedQuery("SELECT " + COLUMNS + " FROM instances WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(id))
                .map(InstanceRepository::first);
    }

    public Uni<Void> setFirewall(SqlClient tx, UUID id, List<FirewallRule> firewall) {
        return tx.preparedQuery("UPDATE instances SET firewall = $2 WHERE id = $1")
                .execute(Tuple.of(id, chain(firewall)))
                .replaceWithVoid();
    }

    /** READY instances on the device (the ones its agent must still have after a reconnect). */
    public Uni<List<Instance>> readyOn(String hostDevice) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM instances WHERE host_device = $1 AND status = 'READY'")
                .execute(Tuple.of(hostDevice))
                .map(InstanceRepository::all);
    }

    /** TERMINATING since before {@code before}: their devices never confirmed the end. */
    public Uni<List<UUID>> terminatingSince(Instant before) {
        return ids("SELECT id FROM instances WHERE status = 'TERMINATING' AND status_at < $1", before);
    }

    /** Keeps a keepalive instance alive; false when it is not live or has no keepalive. */
    public Uni<Boolean> keepAlive(UUID id, Instant now) {
        return pool.preparedQuery("UPDATE instances SET last_keepalive_at = $2 WHERE id = $1 AND keepalive"
                        + " AND status IN ('INIT', 'READY')")
                .execute(Tuple.of(id, at(now)))
                .map(rows -> rows.rowCount() > 0);
    }

    /** Live instances (their holdings' leases to renew). */
    public Uni<List<UUID>> live() {
        return pool.query("SELECT id FROM instances WHERE status IN ('INIT', 'READY', 'TERMINATING')")
                .execute()
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(row -> row.getUUID("id"))
                        .toList());
    }

    /** INIT since before {@code initSince}. */
    public Uni<List<UUID>> initSince(Instant before) {
        return ids("SELECT id FROM instances WHERE status = 'INIT' AND started_at < $1", before);
    }

    /** Past their {@code expire_d}. */
    public Uni<List<UUID>> expired(Instant now) {
        return ids("SELECT id FROM instances WHERE status IN ('INIT', 'READY') AND expires_at <= $1", now);
    }

    /** Keepalive instances not renewed since {@code before}. */
    public Uni<List<UUID>> unrenewed(Instant before) {
        return ids(
                "SELECT id FROM instances WHERE status IN ('INIT', 'READY') AND keepalive AND last_keepalive_at < $1",
                before);
    }

    private Uni<List<UUID>> ids(String sql, Instant at) {
        return pool.preparedQuery(sql)
                .execute(Tuple.of(at(at)))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(row -> row.getUUID("id"))
                        .toList());
    }

    private static JsonArray chain(List<FirewallRule> firewall) {
        JsonArray rules = new JsonArray();
        firewall.forEach(
                rule -> rules.add(new JsonObject().put("source", rule.source()).put("action", rule.action())));
        return rules;
    }

    private static OffsetDateTime at(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime at = row.getOffsetDateTime(column);
        return at == null ? null : at.toInstant();
    }

    static Instance first(RowSet<Row> rows) {
        var found = rows.iterator();
        return found.hasNext() ? map(found.next()) : null;
    }

    static List<Instance> all(RowSet<Row> rows) {
        return StreamSupport.stream(rows.spliterator(), false)
                .map(InstanceRepository::map)
                .toList();
    }

    static Instance map(Row row) {
        Object hostkeys = row.getValue("hostkeys");
        return new Instance(
                row.getUUID("id"),
                row.getUUID("user_id"),
                row.getString("username"),
                row.getUUID("deployment_id"),
                row.getString("type"),
                row.getString("region"),
                Status.valueOf(row.getString("status")),
                row.getString("status_reason"),
                instant(row, "started_at"),
                instant(row, "ended_at"),
                instant(row, "expires_at"),
                row.getBoolean("keepalive"),
                row.getString("public_key"),
                row.getString("sealed_private_key"),
                row.getString("eurl"),
                row.getString("fwd_ipv4"),
                row.getInteger("fwd_port"),
                hostkeys instanceof JsonArray array
                        ? array.stream().map(String::valueOf).toList()
                        : List.of(),
                row.getString("host_device"),
                row.getString("tunnel_url"),
                row.getValue("firewall") instanceof JsonArray rules
                        ? rules.stream()
                                .map(rule -> (JsonObject) rule)
                                .map(rule -> new FirewallRule(rule.getString("source"), rule.getString("action")))
                                .toList()
                        : null,
                row.getBoolean("vpn"));
    }
}
