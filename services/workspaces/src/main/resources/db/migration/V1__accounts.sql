CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      varchar(64)  NOT NULL UNIQUE,
    password_hash varchar(100) NOT NULL,
    admin         boolean      NOT NULL DEFAULT false,
    created_at    timestamp(6) with time zone NOT NULL
);

-- Every token ever issued, so that a user's tokens can be listed, revoked and purged. A revoked token keeps
-- its row: this table is the durable revocation list that every service loads.
CREATE TABLE api_tokens (
    sha256     varchar(64)  PRIMARY KEY,
    user_id    uuid         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes     varchar(200) NOT NULL,
    issued_at  timestamp(6) with time zone NOT NULL,
    expires_at timestamp(6) with time zone NOT NULL,
    revoked_at timestamp(6) with time zone
);

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE INDEX api_tokens_revoked ON api_tokens (expires_at) WHERE revoked_at IS NOT NULL;
