package dev.rigfleet.registry.repository;

import dev.rigfleet.registry.model.GitSshKey;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
public class GitSshKeyRepository implements PanacheRepositoryBase<GitSshKey, UUID> {}
