package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.EnvVar;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Environment variables. A patch changes many at once, so it is written as one statement per kind of change, with
 * the names and values passed as one JSON parameter (typed text first: the reactive client would send a string
 * bound to a jsonb parameter as a JSON string), rather than one statement per variable.
 */
@ApplicationScoped
public class EnvVarRepository implements PanacheRepositoryBase<EnvVar, Long> {

    /** Whose variables: a fleet's or a device's, with the column that holds its id. */
    public enum Scope {
        FLEET("fleet_id"),
        DEVICE("device_id");

        private final String column;

        Scope(String column) {
            this.column = column;
        }
    }

    public Uni<List<EnvVar>> ofFleet(long fleetId) {
        return list("fleetId", fleetId);
    }

    public Uni<List<EnvVar>> ofDevice(long deviceId) {
        return list("deviceId", deviceId);
    }

    /** Sets each variable to its value, adding those that do not exist yet. */
    public Uni<Integer> set(Scope scope, long id, Map<String, String> values) {
        String sql = "INSERT INTO {h-schema}env_vars (" + scope.column + ", name, value)"
                + " SELECT :id, variable.key, variable.value FROM jsonb_each_text(CAST(CAST(:values AS text) AS jsonb)) AS variable"
                + " ON CONFLICT (" + scope.column + ", name) DO UPDATE SET value = EXCLUDED.value";
        return Panache.getSession()
                .chain(session -> session.createNativeQuery(sql)
                        .setParameter("id", id)
                        .setParameter("values", new JsonObject(Map.copyOf(values)).encode())
                        .executeUpdate());
    }

    public Uni<Integer> remove(Scope scope, long id, Collection<String> names) {
        String sql = "DELETE FROM {h-schema}env_vars WHERE " + scope.column + " = :id"
                + " AND name IN (SELECT jsonb_array_elements_text(CAST(CAST(:names AS text) AS jsonb)))";
        return Panache.getSession()
                .chain(session -> session.createNativeQuery(sql)
                        .setParameter("id", id)
                        .setParameter("names", new JsonArray(List.copyOf(names)).encode())
                        .executeUpdate());
    }
}
