package dev.rigfleet.workspaces.model;

import java.time.Instant;
import java.util.UUID;

/** Who may instantiate a deployment; {@code username} {@value #EVERYONE} is everyone. */
public record AccessRule(
        long id, UUID deploymentId, String username, Capability capability, Object param, Instant createdAt) {

    public static final String EVERYONE = "*";
}
