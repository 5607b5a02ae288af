#!/usr/bin/env bash
# Installs (Debian packages) and starts what rigfleet needs: PostgreSQL with a `rigfleet` role that may create
# databases, Redis, nginx (the entry proxy of `make run`), openssl (dev JWT keys), curl and jq (the demo data),
# util-linux's script (terminal sessions), podman with runc and busybox-static (the agent's container runtime is
# tested against Podman's Docker Engine API, with an image made from busybox), OpenSSH's client, sftp-server and
# server (instance logins; the server's own service stays off: nothing here listens on port 22) and Debian's
# python3-paramiko (the SSH library rerobots/py logs in with), Node.js and npm (the real balena-sdk in the e2e tests; the
# dashboard's terminal library at build time), Chromium and its WebDriver (the dashboard's tests). Starts only what is not
# already running, and records what it started so that `make stop` stops exactly that.
source "$(dirname "$0")/lib.sh"

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
command -v script >/dev/null || missing+=(util-linux)
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || [ -x /usr/sbin/runc ] || missing+=(runc)
[ -x /usr/bin/busybox ] || missing+=(busybox-static)
command -v ssh >/dev/null || missing+=(openssh-client)
[ -x /usr/lib/openssh/sftp-server ] || missing+=(openssh-sftp-server)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
/usr/bin/python3 -c 'import paramiko' 2>/dev/null || missing+=(python3-paramiko)
# The agent's container instance runtime: network namespaces and the instance's filter inside its own.
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || missing+=(iproute2)
command -v iptables-restore >/dev/null || [ -x /usr/sbin/iptables-restore ] || missing+=(iptables)
# OpenVPN: each instance's VPN server, and the client the tests connect with; ping crosses the tunnel in the tests.
command -v openvpn >/dev/null || [ -x /usr/sbin/openvpn ] || missing+=(openvpn)
command -v ping >/dev/null || missing+=(iputils-ping)
# Node.js and npm: the e2e tests run the real balena-sdk from npm.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# Chromium and chromedriver: the e2e tests drive the dashboard in a real browser.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ "${#missing[@]}" -gt 0 ]; then
  say "Installing ${missing[*]} from Debian's packages"
  as_root apt-get update -qq
  # policy-rc.d 101 keeps the packages' services (sshd on port 22) from starting as they install.
  policy_rc_d=/usr/sbin/policy-rc.d
  [ -e "$policy_rc_d" ] || { printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy_rc_d" >/dev/null
    as_root chmod 755 "$policy_rc_d"; trap 'as_root rm -f "$policy_rc_d"' EXIT; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi

# balena-sdk 21 needs Node.js 20.12 or newer; Debian 12's is 18. Then Node.js 20 comes from the npm registry (its
# node-linux-<arch> package) into the cache, where the e2e tests look for it first.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)'; then
  node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/rigfleet/node"
  if [ ! -x "$node_dir/bin/node" ]; then
    case "$(uname -m)" in x86_64) node_arch=x64 ;; aarch64) node_arch=arm64 ;; *) node_arch="$(uname -m)" ;; esac
    say "Installing Node.js 20 from the npm registry into $node_dir (this system's is $(node --version))"
    npm install --prefix "$node_dir" --no-audit --no-fund --loglevel=error "node-linux-$node_arch@20" >/dev/null
    mkdir -p "$node_dir/bin"
    ln -sf "$node_dir/node_modules/node-linux-$node_arch/bin/node" "$node_dir/bin/node"
  fi
fi

# OpenSSH's sshd run as root needs its privilege separation directory, which Debian's ssh service makes when it starts;
# that service stays off here, and the tests' own sshd (serving ssh:// CI repositories) needs it all the same.
[ -d /run/sshd ] || as_root install -d -m 0755 /run/sshd

mkdir -p "$RUN_DIR/started"

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "Starting PostgreSQL"
  cluster_version="$(ls /etc/postgresql | sort -V | tail -1)"
  as_root pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
  echo "$cluster_version" > "$RUN_DIR/started/postgresql"
  wait_for 30 PostgreSQL pg_isready -h 127.0.0.1 -p 5432
fi

if [ "$(as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
  say "Creating the PostgreSQL role $PG_USER"
  as_postgres psql -q -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "Starting Redis on 127.0.0.1:6379 (nothing kept on disk)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$RUN_DIR" --pidfile "$RUN_DIR/started/redis.pid" --logfile "$RUN_DIR/redis.log"
  wait_for 10 Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi
