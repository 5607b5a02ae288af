-- A VPN per instance that asked for one (POST /new with vpn: true): its certificate authority, where its server
-- runs, and the clients it has given credentials to.
ALTER TABLE instances ADD COLUMN vpn boolean NOT NULL DEFAULT false;

CREATE TABLE vpns (
    instance_id       uuid PRIMARY KEY REFERENCES instances (id),
    -- preparing, ready (a client can connect), ended (the server is stopped and every client revoked)
    status            varchar(16) NOT NULL,
    -- The VPN's own /24, and the TCP port of its server on the replica that runs it.
    network           varchar(18) NOT NULL,
    replica           varchar(200) NOT NULL,
    port              integer NOT NULL,
    ca_certificate    text NOT NULL,
    -- Sealed with rigfleet.instances.secrets-key: the authority's private key and the tls-crypt key.
    sealed_ca_key     text NOT NULL,
    sealed_static_key text NOT NULL,
    crl_number        bigint NOT NULL DEFAULT 1,
    created_at        timestamp(6) with time zone NOT NULL DEFAULT clock_timestamp()
);

-- One live VPN per network, and per port of a replica.
CREATE UNIQUE INDEX vpns_live_network ON vpns (network) WHERE status <> 'ended';
CREATE UNIQUE INDEX vpns_live_port ON vpns (replica, port) WHERE status <> 'ended';

CREATE TABLE vpn_clients (
    id          uuid PRIMARY KEY,
    instance_id uuid NOT NULL REFERENCES vpns (instance_id),
    -- The certificate's common name: the client id, or "instance" for the instance's own.
    common_name varchar(64) NOT NULL,
    serial      numeric(40) NOT NULL,
    created_at  timestamp(6) with time zone NOT NULL DEFAULT clock_timestamp(),
    revoked_at  timestamp(6) with time zone
);

CREATE INDEX vpn_clients_by_instance ON vpn_clients (instance_id);
