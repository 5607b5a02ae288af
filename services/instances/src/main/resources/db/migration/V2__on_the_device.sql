-- The device's side of an instance: where it runs, how it is reached (fwd, the coordinator's tunnel) and who may
-- reach it (the firewall chain that tunnel enforces).
ALTER TABLE instances
    -- The deployment's host device (32 hex digits), learned from the workspaces service when the instance is made.
    ADD COLUMN host_device varchar(32),
    -- The coordinator replica's URL of the instance's tunnel: where its firewall is changed and it is closed.
    ADD COLUMN tunnel_url  varchar(500),
    -- [{source, action}, ...] in order; null while the chain does not exist (before READY).
    ADD COLUMN firewall    jsonb,
    -- When the status last changed: bounds TERMINATING.
    ADD COLUMN status_at   timestamp(6) with time zone NOT NULL DEFAULT clock_timestamp();

CREATE INDEX instances_by_host ON instances (host_device) WHERE status IN ('INIT', 'READY', 'TERMINATING');
