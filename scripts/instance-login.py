#!/usr/bin/python3
"""Logs in to an instance exactly as rerobots/py's Instance.start_sshclient does, with Debian's python3-paramiko:
a known_hosts file holding `[ipv4]:port hostkeys[0]`, the private key loaded with RSAKey.from_private_key_file,
login as root; then runs a command (its output to stdout) and, as put_file and get_file do, an SFTP put of a local
file and a get of it back.

Usage: instance-login.py IPV4 PORT HOSTKEY PRIVATE_KEY_FILE COMMAND LOCAL_FILE REMOTE_PATH FETCHED_FILE
"""
import os
import sys
import tempfile

import paramiko

host, port, hostkey, keypath, command, local, remote, fetched = sys.argv[1:9]
port = int(port)

fd, known_hosts = tempfile.mkstemp()
with os.fdopen(fd, 'wt') as fp:
    # rerobots/py writes [ipv4]:port (fwd ports are never 22); on port 22 paramiko looks the bare address up.
    name = host if port == 22 else '[{}]:{}'.format(host, port)
    fp.write('{} {}'.format(name, hostkey))

client = paramiko.client.SSHClient()
client.load_system_host_keys(known_hosts)
pkey = paramiko.rsakey.RSAKey.from_private_key_file(keypath)
client.connect(host, port=port, username='root', pkey=pkey, timeout=5)
os.unlink(known_hosts)

_, stdout, _ = client.exec_command(command)
sys.stdout.write(stdout.read().decode())
sftp = client.open_sftp()
sftp.put(local, remote)
sftp.get(remote, fetched)
sftp.close()
client.close()
