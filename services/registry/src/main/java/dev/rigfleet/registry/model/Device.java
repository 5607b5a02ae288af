package dev.rigfleet.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** An enrolled device: {@link #id} is the numeric {@code deviceId}, {@link #uuid} its 32-hex identity. */
@Entity
@Table(name = "devices")
public class Device {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String uuid;

    public String name;

    @Column(name = "fleet_id")
    public Long fleetId;

    @Column(name = "owner_id")
    public UUID ownerId;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> tags;

    @Column(name = "pinned_release_id")
    public Long pinnedReleaseId;

    /** SHA-256 of the device credential; null once the device is deprovisioned. */
    @Column(name = "credential_sha256")
    public String credentialSha256;

    /** The state the agent last reported, as it reported it. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "reported_state")
    public Map<String, Object> reportedState;

    @Column(name = "first_seen")
    public Instant firstSeen;

    @Column(name = "last_seen")
    public Instant lastSeen;

    @Column(name = "cloud_provider")
    public String cloudProvider;

    @Column(name = "cloud_instance_id")
    public String cloudInstanceId;

    @Column(name = "target_version")
    public long targetVersion;

    @Column(name = "created_at")
    public Instant createdAt;

    /** The release this device should run: its pin, or else its fleet's target. */
    public Long effectiveReleaseId(Fleet fleet) {
        return pinnedReleaseId != null ? pinnedReleaseId : fleet.targetReleaseId;
    }
}
