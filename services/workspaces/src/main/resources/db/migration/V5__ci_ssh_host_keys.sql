-- An ssh:// project's server, as its first read saw it (trust on first use): every later read and every clone in an
-- instance must meet the same host key. An OpenSSH public key line; null until then, and for other schemes.
ALTER TABLE ci_projects ADD COLUMN ssh_host_key text;
