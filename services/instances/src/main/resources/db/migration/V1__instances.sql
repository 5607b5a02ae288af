-- Instances: a deployment given to one user for a while. docs/architecture.md ("Instances") has the state machine.
CREATE TABLE instances (
    -- The workspaces service's holding id (= the reservation's id when promoted from a queue).
    id                 uuid          PRIMARY KEY,
    user_id            uuid          NOT NULL,
    username           varchar(64)   NOT NULL,
    deployment_id      uuid          NOT NULL,
    type               varchar(64)   NOT NULL,
    region             varchar(200)  NOT NULL DEFAULT '',
    status             varchar(16)   NOT NULL
        CHECK (status IN ('INIT', 'READY', 'INIT_FAIL', 'TERMINATING', 'TERMINATED')),
    status_reason      varchar(500),
    started_at         timestamp(6) with time zone NOT NULL,
    ended_at           timestamp(6) with time zone,
    expires_at         timestamp(6) with time zone,
    keepalive          boolean       NOT NULL DEFAULT false,
    last_keepalive_at  timestamp(6) with time zone,
    -- The user's public key, or the one made for them (authorized_keys form).
    public_key         text          NOT NULL,
    -- The private key made for the user, sealed; null when the user brought a key, and dropped at termination.
    sealed_private_key text,
    eurl               varchar(2000),
    fwd_ipv4           varchar(64),
    fwd_port           integer,
    hostkeys           jsonb         NOT NULL DEFAULT '[]'
);

CREATE INDEX instances_by_user ON instances (user_id, started_at);
CREATE INDEX instances_live ON instances (status) WHERE status IN ('INIT', 'READY', 'TERMINATING');
