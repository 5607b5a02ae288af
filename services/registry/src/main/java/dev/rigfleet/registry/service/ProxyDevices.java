package dev.rigfleet.registry.service;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.bus.DeviceTarget;
import dev.rigfleet.registry.config.RegistryConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The devices a proxied call may go to. A call that names its device's uuid (nearly every one) is answered from
 * memory: what identifies a device to the proxy — its id, owner and fleet — is read once and kept, and the
 * registry's device events drop it on every replica the moment it changes (a move to another fleet announces new
 * target states; a deletion or deprovisioning announces {@code device.deprovisioned}). When the bus reconnects,
 * events may have been missed, and everything is dropped. Other calls (a fleet, or every device of the caller's)
 * read PostgreSQL each time. Plain SQL on the reactive pool rather than a Hibernate session: a session's set-up was
 * most of the registry's time per call (docs/benchmarks.md).
 */
@ApplicationScoped
public class ProxyDevices {

    /** A device the call may go to, and whose it is. */
    public record Matched(String uuid, UUID owner) {}

    private record Known(long id, UUID owner, Long fleetId) {}

    private final Pool sql;
    private final Bus bus;
    private final String byFilters;
    private final String byUuid;
    private final AsyncLoadingCache<String, Known> known;

    public ProxyDevices(
            Pool sql,
            Bus bus,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") String schema,
            RegistryConfig config) {
        this.sql = sql;
        this.bus = bus;
        // Every filter that is given must match; a null parameter is a filter not given.
        this.byFilters = "SELECT uuid, owner_id FROM " + schema + ".devices"
                + " WHERE ($1::uuid IS NULL OR owner_id = $1) AND ($2::bigint IS NULL OR id = $2)"
                + " AND ($3::bigint IS NULL OR fleet_id = $3)";
        this.byUuid = "SELECT id, owner_id, fleet_id FROM " + schema + ".devices WHERE uuid = $1";
        this.known = Caffeine.newBuilder()
                .expireAfterWrite(config.proxyDeviceCacheTtl())
                .maximumSize(100_000)
                // An unknown uuid is not kept: a device may enrol with the uuid it chose.
                .buildAsync((uuid, executor) -> read(uuid).subscribeAsCompletionStage());
    }

    void start(@Observes StartupEvent started) {
        bus.onEvent(Topics.DEVICE_DEPROVISIONED, event -> forget(event.getUuid()));
        bus.onEvent(
                Topics.DEVICE_TARGET_CHANGED,
                event -> event.getDevicesList().stream()
                        .map(DeviceTarget::getUuid)
                        .forEach(this::forget));
        bus.onConnected(() -> known.synchronous().invalidateAll());
    }

    /** The caller's devices that match every filter the request gives. */
    public Uni<List<Matched>> matching(Caller caller, ProxyRequest request) {
        if (request.uuid() == null) {
            return sql.preparedQuery(byFilters)
                    .execute(Tuple.from(Arrays.<Object>asList(
                            caller.admin() ? null : caller.userId(), request.deviceId(), request.appId())))
                    .map(rows -> {
                        List<Matched> matched = new ArrayList<>();
                        rows.forEach(row -> matched.add(new Matched(row.getString(0), row.getUUID(1))));
                        return matched;
                    });
        }
        return Uni.createFrom()
                .completionStage(() -> known.get(request.uuid()))
                .map(device -> device != null
                                && caller.mayAccess(device.owner())
                                && (request.deviceId() == null || request.deviceId() == device.id())
                                && (request.appId() == null || request.appId().equals(device.fleetId()))
                        ? List.of(new Matched(request.uuid(), device.owner()))
                        : List.of());
    }

    private Uni<Known> read(String uuid) {
        return sql.preparedQuery(byUuid).execute(Tuple.of(uuid)).map(rows -> {
            RowIterator<Row> found = rows.iterator();
            if (!found.hasNext()) {
                return null;
            }
            Row row = found.next();
            return new Known(row.getLong(0), row.getUUID(1), row.getLong(2));
        });
    }

    private void forget(String uuid) {
        known.synchronous().invalidate(uuid);
    }
}
