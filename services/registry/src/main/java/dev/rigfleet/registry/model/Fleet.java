package dev.rigfleet.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** What the supervisor APIs call an app: {@link #id} is the numeric {@code appId}. */
@Entity
@Table(name = "fleets")
public class Fleet {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    @Column(name = "owner_id")
    public UUID ownerId;

    @Column(name = "target_release_id")
    public Long targetReleaseId;

    @Column(name = "created_at")
    public Instant createdAt;
}
