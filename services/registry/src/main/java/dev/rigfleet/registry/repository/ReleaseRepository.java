package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.Release;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class ReleaseRepository implements PanacheRepositoryBase<Release, Long> {

    public Uni<List<Release>> ofFleet(long fleetId) {
        return list("fleetId", Sort.descending("createdAt", "id"), fleetId);
    }
}
