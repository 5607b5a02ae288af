package dev.rigfleet.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A fleet's release: {@link #id} is the supervisor APIs' {@code releaseId}. Immutable once created. */
@Entity
@Table(name = "releases")
public class Release {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "fleet_id")
    public Long fleetId;

    public String commit;

    @JdbcTypeCode(SqlTypes.JSON)
    public Services services;

    /** The JSON column holds an object: Hibernate Reactive maps JSON columns through Vert.x JSON objects. */
    public record Services(List<ServiceSpec> items) {}

    @Column(name = "created_at")
    public Instant createdAt;
}
