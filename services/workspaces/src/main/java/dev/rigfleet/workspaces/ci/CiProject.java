package dev.rigfleet.workspaces.ci;

import java.time.Instant;
import java.util.UUID;

/**
 * A repository whose jobs a user runs on hardware; {@code ns} is the spec form's namespace, null otherwise. {@code
 * sshHostKey} is an ssh:// repository's server key as first met (an OpenSSH public key line), null before that.
 */
public record CiProject(
        UUID id, UUID ownerId, String ns, String repoUrl, String eurl, Instant createdAt, String sshHostKey) {}
