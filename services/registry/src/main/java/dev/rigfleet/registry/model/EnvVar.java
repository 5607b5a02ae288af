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

    /** How many variables one patch may set or remove; a larger change is several patches. */
    public static final int MAX_CHANGES = 1000;

    public static final String TOO_MANY_CHANGES = "may change at most " + MAX_CHANGES + " variables at once";

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
