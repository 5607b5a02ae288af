package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.SupervisorCommand;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class SupervisorCommandRepository implements PanacheRepositoryBase<SupervisorCommand, Long> {}
