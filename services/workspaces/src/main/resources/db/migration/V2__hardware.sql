-- Workspace types, deployments (hardware setups), who holds each, the use-queue of reservations, access rules, and
-- the callbacks (eurl) owed to users. docs/api.md ("Workspaces") describes the rules these tables keep.

CREATE TABLE workspace_types (
    name        varchar(64)   PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_]+$'),
    description varchar(1000) NOT NULL DEFAULT '',
    created_at  timestamp(6) with time zone NOT NULL
);

CREATE TABLE deployments (
    id           uuid          PRIMARY KEY,
    type         varchar(64)   NOT NULL REFERENCES workspace_types (name),
    type_version integer       NOT NULL DEFAULT 1,
    owner_id     uuid          NOT NULL,
    host_device  varchar(32)   NOT NULL,
    -- Peripheral device uuids, in the owner's order.
    peripherals  jsonb         NOT NULL DEFAULT '[]',
    region       varchar(200)  NOT NULL DEFAULT '',
    description  varchar(1000) NOT NULL DEFAULT '',
    -- Completed instantiations: holdings that ended.
    icounter     bigint        NOT NULL DEFAULT 0,
    created_at   timestamp(6) with time zone NOT NULL,
    retired_at   timestamp(6) with time zone,
    locked_out   boolean       NOT NULL DEFAULT false,
    -- The open holding, null when free. It is a column of the row that allocation locks, so that a second
    -- allocation waiting on the lock re-reads it (PostgreSQL re-checks a locked row's own columns) and moves on.
    holding_id   uuid
);

CREATE INDEX deployments_by_type ON deployments (type) WHERE retired_at IS NULL;
-- A device is the host of at most one deployment in service.
CREATE UNIQUE INDEX deployments_one_per_host ON deployments (host_device) WHERE retired_at IS NULL;

-- Every time a deployment was handed to someone. The id is the instance the holder makes of it.
CREATE TABLE holdings (
    id               uuid        PRIMARY KEY,
    deployment_id    uuid        NOT NULL REFERENCES deployments (id),
    user_id          uuid        NOT NULL,
    username         varchar(64) NOT NULL,
    -- Set when the holding came from a promoted reservation (then id = reservation_id).
    reservation_id   uuid,
    options          jsonb       NOT NULL,
    started_at       timestamp(6) with time zone NOT NULL,
    lease_expires_at timestamp(6) with time zone NOT NULL,
    ended_at         timestamp(6) with time zone,
    end_reason       varchar(16) CHECK (end_reason IN ('released', 'lease_expired', 'lockout')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

-- The backstop of "never two holders": whatever the code does, a second open holding of a deployment is refused.
CREATE UNIQUE INDEX holdings_one_open_per_deployment ON holdings (deployment_id) WHERE ended_at IS NULL;
CREATE INDEX holdings_open_leases ON holdings (lease_expires_at) WHERE ended_at IS NULL;

ALTER TABLE deployments ADD CONSTRAINT deployments_holding_fk FOREIGN KEY (holding_id) REFERENCES holdings (id);

CREATE TABLE access_rules (
    id            bigserial   PRIMARY KEY,
    deployment_id uuid        NOT NULL REFERENCES deployments (id),
    -- A user name, or '*' for everyone.
    username      varchar(64) NOT NULL,
    capability    varchar(32) NOT NULL CHECK (capability IN ('CAP_INSTANTIATE', 'CAP_NO_INSTANTIATE')),
    param         jsonb,
    created_at    timestamp(6) with time zone NOT NULL,
    UNIQUE (deployment_id, username, capability)
);

CREATE TABLE reservations (
    id            uuid        PRIMARY KEY,
    -- Arrival order: the second key of the queue after priority.
    seq           bigserial   UNIQUE,
    user_id       uuid        NOT NULL,
    username      varchar(64) NOT NULL,
    -- The type asked for (or the type of the deployment asked for).
    type          varchar(64) NOT NULL REFERENCES workspace_types (name),
    -- Null: any deployment of the type will do.
    deployment_id uuid        REFERENCES deployments (id),
    priority      integer     NOT NULL DEFAULT 0,
    -- The options of the POST /new that made it, for the instance that will be made from it.
    options       jsonb       NOT NULL,
    created_at    timestamp(6) with time zone NOT NULL,
    expires_at    timestamp(6) with time zone,
    state         varchar(16) NOT NULL CHECK (state IN ('queued', 'promoted', 'expired', 'deleted')),
    ended_at      timestamp(6) with time zone,
    promoted_to   uuid        REFERENCES deployments (id),
    -- When the promotion went out on the bus; null while it is owed (the outbox).
    published_at  timestamp(6) with time zone,
    CHECK ((state = 'queued') = (ended_at IS NULL)),
    CHECK ((state = 'promoted') = (promoted_to IS NOT NULL))
);

CREATE INDEX reservations_queued ON reservations (type, priority DESC, seq) WHERE state = 'queued';
CREATE INDEX reservations_queued_for_deployment ON reservations (deployment_id) WHERE state = 'queued';
CREATE INDEX reservations_queued_by_user ON reservations (user_id) WHERE state = 'queued';
CREATE INDEX reservations_unpublished ON reservations (seq) WHERE state = 'promoted' AND published_at IS NULL;

-- Callbacks to the URLs users gave (eurl): owed until delivered or given up, and kept so users can see them.
CREATE TABLE eurl_deliveries (
    id              uuid          PRIMARY KEY,
    user_id         uuid          NOT NULL,
    url             varchar(2000) NOT NULL,
    payload         jsonb         NOT NULL,
    created_at      timestamp(6) with time zone NOT NULL,
    state           varchar(16)   NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'refused')),
    attempts        integer       NOT NULL DEFAULT 0,
    last_status     integer,
    last_error      varchar(500),
    next_attempt_at timestamp(6) with time zone,
    finished_at     timestamp(6) with time zone
);

CREATE INDEX eurl_deliveries_due ON eurl_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX eurl_deliveries_by_user ON eurl_deliveries (user_id, created_at);
