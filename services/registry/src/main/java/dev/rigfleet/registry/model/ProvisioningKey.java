package dev.rigfleet.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** Lets devices enrol into one fleet: expiring, revocable, and good for a bounded number of devices. */
@Entity
@Table(name = "provisioning_keys")
public class ProvisioningKey {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "key_sha256")
    public String keySha256;

    @Column(name = "fleet_id")
    public Long fleetId;

    public String description;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "max_uses")
    public int maxUses;

    public int uses;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "created_at")
    public Instant createdAt;
}
