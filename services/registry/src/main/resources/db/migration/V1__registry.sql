-- Fleets are the supervisor APIs' apps: id is the numeric appId.
CREATE TABLE fleets (
    id                bigserial    PRIMARY KEY,
    name              varchar(64)  NOT NULL,
    owner_id          uuid         NOT NULL,
    target_release_id bigint,
    created_at        timestamp(6) with time zone NOT NULL,
    UNIQUE (owner_id, name)
);

-- id is the supervisor APIs' releaseId; services is a JSON list of service specs (see ServiceSpec).
CREATE TABLE releases (
    id         bigserial    PRIMARY KEY,
    fleet_id   bigint       NOT NULL REFERENCES fleets (id) ON DELETE CASCADE,
    commit     varchar(64)  NOT NULL,
    services   jsonb        NOT NULL,
    created_at timestamp(6) with time zone NOT NULL,
    UNIQUE (fleet_id, commit)
);

ALTER TABLE fleets ADD FOREIGN KEY (target_release_id) REFERENCES releases (id) ON DELETE SET NULL;

-- id is the numeric deviceId; uuid the 32-hex identity. credential_sha256 is null once deprovisioned.
-- target_version grows whenever anything the device's target state is made of changes.
CREATE TABLE devices (
    id                bigserial    PRIMARY KEY,
    uuid              varchar(32)  NOT NULL UNIQUE,
    name              varchar(64)  NOT NULL,
    fleet_id          bigint       NOT NULL REFERENCES fleets (id),
    owner_id          uuid         NOT NULL,
    tags              jsonb        NOT NULL,
    pinned_release_id bigint       REFERENCES releases (id) ON DELETE SET NULL,
    credential_sha256 varchar(64)  UNIQUE,
    reported_state    jsonb,
    first_seen        timestamp(6) with time zone,
    last_seen         timestamp(6) with time zone,
    cloud_provider    varchar(16),
    cloud_instance_id varchar(128),
    target_version    bigint       NOT NULL,
    created_at        timestamp(6) with time zone NOT NULL,
    UNIQUE (cloud_provider, cloud_instance_id)
);
CREATE INDEX devices_by_fleet ON devices (fleet_id);
CREATE INDEX devices_by_owner ON devices (owner_id);

-- Environment variables of a fleet (device_id null) or of one device (fleet_id null); the device's win.
CREATE TABLE env_vars (
    id        bigserial     PRIMARY KEY,
    fleet_id  bigint        REFERENCES fleets (id) ON DELETE CASCADE,
    device_id bigint        REFERENCES devices (id) ON DELETE CASCADE,
    name      varchar(128)  NOT NULL,
    value     varchar(4096) NOT NULL,
    CHECK ((fleet_id IS NULL) <> (device_id IS NULL)),
    UNIQUE (fleet_id, name),
    UNIQUE (device_id, name)
);

-- A key is shown once and stored only as its SHA-256.
CREATE TABLE provisioning_keys (
    id          bigserial    PRIMARY KEY,
    key_sha256  varchar(64)  NOT NULL UNIQUE,
    fleet_id    bigint       NOT NULL REFERENCES fleets (id) ON DELETE CASCADE,
    description varchar(256) NOT NULL,
    expires_at  timestamp(6) with time zone NOT NULL,
    max_uses    integer      NOT NULL,
    uses        integer      NOT NULL,
    revoked_at  timestamp(6) with time zone,
    created_at  timestamp(6) with time zone NOT NULL
);

-- Online/offline transitions as the device link reports them; each device keeps the newest few.
CREATE TABLE device_transitions (
    id        bigserial PRIMARY KEY,
    device_id bigint    NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    online    boolean   NOT NULL,
    at        timestamp(6) with time zone NOT NULL
);
CREATE INDEX device_transitions_by_device ON device_transitions (device_id, at DESC);
