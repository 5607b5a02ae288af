-- Where a VPN's clients connect (the `remote` of each .ovpn), stored when its server starts: the replica's address
-- and port for a server process, a Service's address for a server in the cluster. Null on VPNs made before, whose
-- clients connect to rigfleet.instances.vpn.address and the VPN's port, as then.
ALTER TABLE vpns
    ADD COLUMN remote_host varchar(255),
    ADD COLUMN remote_port integer;
