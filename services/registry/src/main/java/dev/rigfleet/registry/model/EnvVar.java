package dev.rigfleet.registry.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An environment variable of a fleet or of one device (exactly one of the two ids is set). */
@Entity
@Table(name = "env_vars")
public class EnvVar {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "fleet_id")
    public Long fleetId;

    @Column(name = "device_id")
    public Long deviceId;

    public String name;

    public String value;
}
