package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.Fleet;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class FleetRepository implements PanacheRepositoryBase<Fleet, Long> {}
