package dev.rigfleet.workspaces.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** An issued token, known by the SHA-256 of its text; the text itself is shown once and never stored. */
@Entity
@Table(name = "api_tokens")
public class ApiToken {

    @Id
    public String sha256;

    @Column(name = "user_id")
    public UUID userId;

    /** Space-separated, see {@link Scopes}. */
    public String scopes;

    @Column(name = "issued_at")
    public Instant issuedAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
