package dev.rigfleet.workspaces.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.stream.StreamSupport;

/** The kinds of hardware setup; admins manage them. */
@ApplicationScoped
public class WorkspaceTypeRepository {

    private final Pool pool;

    public WorkspaceTypeRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<List<String>> names() {
        return pool.query("SELECT name FROM workspace_types ORDER BY name")
                .execute()
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(row -> row.getString("name"))
                        .toList());
    }

    public Uni<Boolean> exists(String name) {
        return pool.preparedQuery("SELECT 1 FROM workspace_types WHERE name = $1")
                .execute(Tuple.of(name))
                .map(rows -> rows.size() > 0);
    }

    /** False when a type of that name exists already. */
    public Uni<Boolean> create(String name, String description, Instant now) {
        return pool.preparedQuery("INSERT INTO workspace_types (name, description, created_at) VALUES ($1, $2, $3)"
                        + " ON CONFLICT (name) DO NOTHING")
                .execute(Tuple.of(name, description, Rows.at(now)))
                .map(rows -> rows.rowCount() > 0);
    }

    /** False when the type does not exist; refused by the database while deployments use it. */
    public Uni<Boolean> delete(String name) {
        return pool.preparedQuery("DELETE FROM workspace_types WHERE name = $1")
                .execute(Tuple.of(name))
                .map(rows -> rows.rowCount() > 0);
    }
}
