package dev.rigfleet.workspaces.repository;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.workspaces.model.ReservationOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** Conversions between the SQL client's column values and ours. */
public final class Rows {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Rows() {}

    public static Instant instant(Row row, String column) {
        OffsetDateTime at = row.getOffsetDateTime(column);
        return at == null ? null : at.toInstant();
    }

    public static OffsetDateTime at(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static List<String> strings(Row row, String column) {
        Object value = row.getValue(column);
        return value instanceof JsonArray array
                ? array.stream().map(String::valueOf).toList()
                : List.of();
    }

    static JsonObject json(ReservationOptions options) {
        return new JsonObject(JSON.convertValue(options, java.util.Map.class));
    }

    static ReservationOptions options(Row row, String column) {
        Object value = row.getValue(column);
        return value instanceof JsonObject object
                ? JSON.convertValue(object.getMap(), ReservationOptions.class)
                : ReservationOptions.NONE;
    }
}
