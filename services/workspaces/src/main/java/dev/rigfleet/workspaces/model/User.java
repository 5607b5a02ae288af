package dev.rigfleet.workspaces.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

@Entity
@Table(name = "users")
public class User {

    @Id
    public UUID id;

    public String username;

    @Column(name = "password_hash")
    public String passwordHash;

    public boolean admin;

    @Column(name = "created_at")
    public Instant createdAt;

    /** The widest scopes this user's tokens may carry. */
    public Set<String> grantableScopes() {
        return admin ? Set.of(Scopes.USER, Scopes.ADMIN) : Set.of(Scopes.USER);
    }
}
