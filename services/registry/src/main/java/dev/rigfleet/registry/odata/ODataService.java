package dev.rigfleet.registry.odata;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.registry.model.Device;
import dev.rigfleet.registry.model.Fleet;
import dev.rigfleet.registry.odata.BalenaModel.Field;
import dev.rigfleet.registry.odata.BalenaModel.Resource;
import dev.rigfleet.registry.repository.DeviceRepository;
import dev.rigfleet.registry.repository.FleetRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheQuery;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Answers a read of balena's OData API from the registry's own rows, scoped as the rest of the registry is: a caller
 * sees its own devices and fleets (an admin everyone's), and another owner's are not there at all.
 */
@ApplicationScoped
public class ODataService {

    private final DeviceRepository devices;
    private final FleetRepository fleets;
    private final Presence presence;

    public ODataService(DeviceRepository devices, FleetRepository fleets, Presence presence) {
        this.devices = devices;
        this.fleets = fleets;
        this.presence = presence;
    }

    /** balena's answer: the matching entities, each with the fields asked for. */
    public Uni<List<Map<String, Object>>> read(Caller caller, ODataQuery query) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters parameters = new Parameters();
        if (!caller.admin()) {
            where.append(" and d.ownerId = :owner");
            parameters.and("owner", caller.userId());
        }
        if (query.id() != null) {
            where.append(" and d.id = :id");
            parameters.and("id", query.id());
        }
        if (query.uuid() != null) {
            where.append(" and d.uuid = :uuid");
            parameters.and("uuid", query.uuid());
        }
        if (query.where() != null) {
            where.append(" and ").append(query.where());
            query.parameters().forEach(parameters::and);
        }
        String hql = "from " + entity(query.resource()) + " d where " + where + " order by " + query.orderBy();
        if (query.resource() == BalenaModel.APPLICATION) {
            return Panache.withSession(() -> window(fleets.find(hql, parameters), query))
                    .map(found -> found.stream()
                            .map(fleet -> render(BalenaModel.APPLICATION, new ApplicationRow(fleet), query.select()))
                            .toList());
        }
        return Panache.withSession(() -> window(devices.find(hql, parameters), query)
                        .chain(found ->
                                applicationsOf(found, query).map(applications -> new Found(found, applications))))
                .chain(found -> presence.online(found.devices().stream()
                                .map(device -> device.uuid)
                                .toList())
                        .map(online -> found.devices().stream()
                                .map(device -> device(device, online, found.applications(), query))
                                .toList()));
    }

    private record Found(List<Device> devices, Map<Long, Fleet> applications) {}

    private static String entity(Resource<?> resource) {
        return resource == BalenaModel.DEVICE ? Device.class.getSimpleName() : Fleet.class.getSimpleName();
    }

    private static <T> Uni<List<T>> window(PanacheQuery<T> query, ODataQuery asked) {
        int skip = asked.skip() == null ? 0 : asked.skip();
        if (asked.top() == null) {
            return skip == 0
                    ? query.list()
                    : query.range(skip, Integer.MAX_VALUE - 1).list();
        }
        if (asked.top() == 0) {
            return Uni.createFrom().item(List.of());
        }
        return query.range(skip, skip + asked.top() - 1).list();
    }

    private Uni<Map<Long, Fleet>> applicationsOf(List<Device> found, ODataQuery query) {
        if (!query.expandApplication() || found.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        Set<Long> ids = found.stream().map(device -> device.fleetId).collect(Collectors.toSet());
        return fleets.list("id in ?1", ids)
                .map(list -> list.stream().collect(Collectors.toMap(fleet -> fleet.id, Function.identity())));
    }

    private static Map<String, Object> device(
            Device device, Optional<Set<String>> online, Map<Long, Fleet> applications, ODataQuery query) {
        Boolean isOnline = online.map(set -> set.contains(device.uuid)).orElse(null);
        Map<String, Object> entity = render(BalenaModel.DEVICE, new DeviceRow(device, isOnline), query.select());
        String navigation = BalenaModel.APPLICATION_NAVIGATION;
        if (query.expandApplication()) {
            Fleet fleet = applications.get(device.fleetId);
            entity.put(
                    navigation,
                    fleet == null
                            ? List.of()
                            : List.of(render(
                                    BalenaModel.APPLICATION, new ApplicationRow(fleet), query.applicationSelect())));
        } else if (query.select() == null || query.select().contains(navigation)) {
            // balena's form of a link that was not expanded.
            entity.put(navigation, Map.of("__id", device.fleetId));
        }
        return entity;
    }

    private static <R> Map<String, Object> render(Resource<R> resource, R row, List<String> select) {
        Map<String, Object> entity = new LinkedHashMap<>();
        for (Field<R> field : resource.fields()) {
            if (select == null || select.contains(field.name())) {
                entity.put(field.name(), field.value().apply(row));
            }
        }
        return entity;
    }
}
