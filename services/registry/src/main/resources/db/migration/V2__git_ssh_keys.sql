-- One SSH key pair per device owner, for the agents' git access (GET /api/v2/workspaceagents/me/gitsshkey).
-- The private key is sealed with AES-256-GCM under rigfleet.registry.secrets-key: never stored in the clear.
CREATE TABLE git_ssh_keys (
    owner_id           uuid          PRIMARY KEY,
    public_key         varchar(1024) NOT NULL,
    sealed_private_key text          NOT NULL,
    created_at         timestamp(6) with time zone NOT NULL
);
