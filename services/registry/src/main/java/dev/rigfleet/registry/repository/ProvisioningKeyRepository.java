package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.ProvisioningKey;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;

@ApplicationScoped
public class ProvisioningKeyRepository implements PanacheRepositoryBase<ProvisioningKey, Long> {

    public Uni<List<ProvisioningKey>> ofFleet(long fleetId) {
        return list("fleetId", Sort.descending("createdAt", "id"), fleetId);
    }

    /** The key, locked until the transaction ends, so that concurrent enrolments take turns counting uses. */
    public Uni<ProvisioningKey> lockByHash(String keySha256) {
        return find("keySha256", keySha256)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }
}
