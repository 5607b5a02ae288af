package dev.rigfleet.workspaces.ci;

import java.time.Instant;
import java.util.UUID;

/** A repository whose jobs a user runs on hardware; {@code ns} is the spec form's namespace, null otherwise. */
public record CiProject(UUID id, UUID ownerId, String ns, String repoUrl, String eurl, Instant createdAt) {}
