package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.EnvVar;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class EnvVarRepository implements PanacheRepositoryBase<EnvVar, Long> {

    public Uni<List<EnvVar>> ofFleet(long fleetId) {
        return list("fleetId", fleetId);
    }

    public Uni<List<EnvVar>> ofDevice(long deviceId) {
        return list("deviceId", deviceId);
    }
}
