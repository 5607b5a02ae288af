package dev.rigfleet.workspaces.repository;

import dev.rigfleet.workspaces.model.Deployment;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

/**
 * Deployments in SQL. The statements are written out, not generated, because allocation locks these rows: each
 * statement shows which rows it locks and what it re-reads under the lock.
 */
@ApplicationScoped
public class DeploymentRepository {

    /** What a listing of deployments in service filters on; null or empty means no constraint. */
    public record Filter(List<String> types, List<String> excludedTypes, String query) {}

    static final String COLUMNS = "d.id, d.type, d.type_version, d.owner_id, d.host_device, d.peripherals, d.region,"
            + " d.description, d.icounter, d.created_at, d.retired_at, d.locked_out, d.holding_id, d.attention,"
            + " (SELECT count(*) FROM reservations r WHERE r.state = 'queued' AND (r.deployment_id = d.id"
            + " OR (r.deployment_id IS NULL AND r.type = d.type))) AS waiting";

    private final Pool pool;

    public DeploymentRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Deployment> find(UUID id) {
        return find(pool, id);
    }

    public Uni<Deployment> find(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM deployments d WHERE d.id = $1")
                .execute(Tuple.of(id))
                .map(DeploymentRepository::first);
    }

    /** Locks the deployment's row until the transaction ends. */
    public Uni<Deployment> lock(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM deployments d WHERE d.id = $1 FOR UPDATE OF d")
                .execute(Tuple.of(id))
                .map(DeploymentRepository::first);
    }

    /**
     * Locks the first of the candidates that is free for a new request: in service, not locked out, held by nobody,
     * and with no reservation waiting that its user could take it with. The fewest-used first. Rows another
     * transaction has locked are skipped, and a row that changed since this statement began is re-read under the
     * lock, so two requests never get one deployment. Null when none is free.
     */
    public Uni<Deployment> lockFirstFree(SqlClient tx, List<UUID> candidates, Instant now) {
        return tx.preparedQuery("SELECT " + COLUMNS + " FROM deployments d WHERE d.id = ANY($1)"
                        + " AND d.holding_id IS NULL AND d.retired_at IS NULL AND NOT d.locked_out"
                        + " AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.state = 'queued'"
                        + " AND (r.expires_at IS NULL OR r.expires_at > $2)"
                        + " AND (r.deployment_id = d.id OR (r.deployment_id IS NULL AND r.type = d.type))"
                        + " AND " + AccessRuleRepository.mayInstantiate("r.user_id", "r.username") + ")"
                        + " ORDER BY d.icounter, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED")
                .execute(Tuple.of(candidates.toArray(UUID[]::new), Rows.at(now)))
                .map(DeploymentRepository::first);
    }

    /** Deployments in service of a type. */
    public Uni<List<Deployment>> ofType(String type) {
        return pool.preparedQuery(
                        "SELECT " + COLUMNS + " FROM deployments d WHERE d.type = $1 AND d.retired_at IS NULL")
                .execute(Tuple.of(type))
                .map(DeploymentRepository::all);
    }

    /** Deployments that match, in the order asked for ({@code orderBy}: an SQL order over {@code d}, not user input). */
    public Uni<List<Deployment>> list(Filter filter, String orderBy) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE d.retired_at IS NULL");
        if (!filter.types().isEmpty()) {
            params.add(filter.types().toArray(String[]::new));
            where.append(" AND d.type = ANY($").append(params.size()).append(')');
        }
        if (!filter.excludedTypes().isEmpty()) {
            params.add(filter.excludedTypes().toArray(String[]::new));
            where.append(" AND NOT (d.type = ANY($").append(params.size()).append("))");
        }
        if (filter.query() != null && !filter.query().isEmpty()) {
            params.add("%"
                    + filter.query().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            String p = "$" + params.size();
            where.append(" AND (d.type ILIKE ")
                    .append(p)
                    .append(" OR d.region ILIKE ")
                    .append(p)
                    .append(" OR d.description ILIKE ")
                    .append(p)
                    .append(')');
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM deployments d" + where + " ORDER BY " + orderBy)
                .execute(Tuple.from(params))
                .map(DeploymentRepository::all);
    }

    public Uni<Deployment> insert(Deployment d) {
        return pool.preparedQuery("INSERT INTO deployments (id, type, type_version, owner_id, host_device, peripherals,"
                        + " region, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.from(List.of(
                        d.id(),
                        d.type(),
                        d.typeVersion(),
                        d.ownerId(),
                        d.hostDevice(),
                        new JsonArray(d.peripherals()),
                        d.region(),
                        d.description(),
                        Rows.at(d.createdAt()))))
                .chain(() -> find(d.id()));
    }

    /** Changes what the owner may change; null leaves a field as it is. */
    public Uni<Deployment> update(
            UUID id, String region, String description, Integer typeVersion, List<String> peripherals) {
        return pool.preparedQuery("UPDATE deployments SET region = COALESCE($2, region),"
                        + " description = COALESCE($3, description), type_version = COALESCE($4, type_version),"
                        + " peripherals = COALESCE($5, peripherals) WHERE id = $1")
                .execute(Tuple.from(new Object[] {
                    id, region, description, typeVersion, peripherals == null ? null : new JsonArray(peripherals)
                }))
                .chain(() -> find(id));
    }

    public Uni<Void> retire(SqlClient client, UUID id, Instant at) {
        return client.preparedQuery("UPDATE deployments SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL")
                .execute(Tuple.of(id, Rows.at(at)))
                .replaceWithVoid();
    }

    /** Sets (or, with null, clears) what the owner should look at. */
    public Uni<Void> setAttention(SqlClient client, UUID id, String attention) {
        return client.preparedQuery("UPDATE deployments SET attention = $2 WHERE id = $1")
                .execute(Tuple.of(id, attention))
                .replaceWithVoid();
    }

    public Uni<Void> setLockedOut(SqlClient client, UUID id, boolean lockedOut) {
        return client.preparedQuery("UPDATE deployments SET locked_out = $2 WHERE id = $1")
                .execute(Tuple.of(id, lockedOut))
                .replaceWithVoid();
    }

    /** A deployment in service that a WorkspaceDeployment resource declares, by its {@code <namespace>/<name>}. */
    public record Declared(UUID id, String resource) {}

    /** The one in service that the resource declares; null when none. */
    public Uni<UUID> declaredBy(String resource) {
        return pool.preparedQuery("SELECT id FROM deployments WHERE declared_by = $1 AND retired_at IS NULL")
                .execute(Tuple.of(resource))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id"));
    }

    /** Every deployment in service that a resource declares. */
    public Uni<List<Declared>> declared() {
        return pool.query(
                        "SELECT id, declared_by FROM deployments WHERE declared_by IS NOT NULL AND retired_at IS NULL")
                .execute()
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(row -> new Declared(row.getUUID("id"), row.getString("declared_by")))
                        .toList());
    }

    public Uni<Void> setDeclaredBy(UUID id, String resource) {
        return pool.preparedQuery("UPDATE deployments SET declared_by = $2 WHERE id = $1")
                .execute(Tuple.of(id, resource))
                .replaceWithVoid();
    }

    /** The deployment in service whose host this device is; null when none. */
    public Uni<Deployment> inServiceOnHost(String deviceUuid) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM deployments d WHERE d.host_device = $1"
                        + " AND d.retired_at IS NULL")
                .execute(Tuple.of(deviceUuid))
                .map(DeploymentRepository::first);
    }

    /** Whether a deployment in service has this device as its host. */
    public Uni<Boolean> hostInService(String deviceUuid) {
        return pool.preparedQuery("SELECT 1 FROM deployments WHERE host_device = $1 AND retired_at IS NULL")
                .execute(Tuple.of(deviceUuid))
                .map(rows -> rows.size() > 0);
    }

    static Deployment first(RowSet<Row> rows) {
        var found = rows.iterator();
        return found.hasNext() ? map(found.next()) : null;
    }

    static List<Deployment> all(RowSet<Row> rows) {
        return StreamSupport.stream(rows.spliterator(), false)
                .map(DeploymentRepository::map)
                .toList();
    }

    static Deployment map(Row row) {
        return new Deployment(
                row.getUUID("id"),
                row.getString("type"),
                row.getInteger("type_version"),
                row.getUUID("owner_id"),
                row.getString("host_device"),
                Rows.strings(row, "peripherals"),
                row.getString("region"),
                row.getString("description"),
                row.getLong("icounter"),
                Rows.instant(row, "created_at"),
                Rows.instant(row, "retired_at"),
                row.getBoolean("locked_out"),
                row.getUUID("holding_id"),
                row.getLong("waiting"),
                row.getString("attention"));
    }
}
