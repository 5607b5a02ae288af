-- The audit of POST /supervisor/<url>: one row per proxied request, with what each device answered.
CREATE TABLE supervisor_commands (
    id          bigserial     PRIMARY KEY,
    request_id  varchar(128),
    -- who sent it, and whose devices it went to (an admin may send to another owner's devices)
    user_id     uuid          NOT NULL,
    owner_id    uuid          NOT NULL,
    method      varchar(8)    NOT NULL,
    url         varchar(2048) NOT NULL,
    -- {"items": [{"uuid": ..., "statusCode": ..., "outcome": ...}, ...]}
    devices     jsonb         NOT NULL,
    duration_ms bigint        NOT NULL,
    created_at  timestamp(6) with time zone NOT NULL
);
CREATE INDEX supervisor_commands_owner ON supervisor_commands (owner_id, id DESC);
CREATE INDEX supervisor_commands_user ON supervisor_commands (user_id, id DESC);
