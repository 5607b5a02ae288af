package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.DeviceTransition;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class DeviceTransitionRepository implements PanacheRepositoryBase<DeviceTransition, Long> {

    public static final Sort NEWEST_FIRST = Sort.descending("at", "id");

    /** Drops all but the newest {@code keep} transitions of the device. */
    public Uni<Long> trim(long deviceId, int keep) {
        return find("deviceId", NEWEST_FIRST, deviceId)
                .page(Page.of(keep, 1))
                .firstResult()
                .chain(oldestDropped -> oldestDropped == null
                        ? Uni.createFrom().item(0L)
                        : delete(
                                "deviceId = ?1 and (at < ?2 or (at = ?2 and id <= ?3))",
                                deviceId,
                                oldestDropped.at,
                                oldestDropped.id));
    }
}
