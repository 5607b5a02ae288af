package dev.rigfleet.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A device owner's SSH key pair for git; the private key only ever sealed. */
@Entity
@Table(name = "git_ssh_keys")
public class GitSshKey {

    @Id
    @Column(name = "owner_id")
    public UUID ownerId;

    @Column(name = "public_key")
    public String publicKey;

    @Column(name = "sealed_private_key")
    public String sealedPrivateKey;

    @Column(name = "created_at")
    public Instant createdAt;
}
