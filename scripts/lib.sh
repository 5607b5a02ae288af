# Shared by the scripts: where run state lives, how to say what is happening, and how to wait.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Where a platform's state lives (keys, tokens, pids, logs, the demo agent) and its database: the benchmarks run a
# platform of their own (scripts/bench.sh), so both can be chosen.
RUN_DIR="${RIGFLEET_RUN_DIR:-$ROOT/.run}"
RIGFLEET_DB="${RIGFLEET_DB:-rigfleet}"
RIGFLEET_PORT="${RIGFLEET_PORT:-8080}"
# The role the services use; with Debian's default pg_hba (scram on 127.0.0.1) the password matters,
# with trust it is ignored.
PG_USER="${PG_USER:-rigfleet}"
PG_PASSWORD="${PG_PASSWORD:-rigfleet}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND every half second.
wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not come up within ${seconds}s"
    sleep 0.5
  done
}

# The Debian mirror debootstrap fetches from: RIGFLEET_DEBIAN_MIRROR, else the first URIs line of
# /etc/apt/sources.list.d/debian.sources, else the first `deb` line of /etc/apt/sources.list, else deb.debian.org.
debian_mirror() {
  local mirror="${RIGFLEET_DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    mirror="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list)"
  fi
  printf '%s\n' "${mirror:-http://deb.debian.org/debian}"
}

# What the images are built with (debootstrap, podman, runc), from Debian's packages when missing, and podman's
# configuration.
ensure_image_tools() {
  local missing=()
  command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || [ -x /usr/sbin/runc ] || missing+=(runc)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing ${missing[*]} from Debian's packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  ensure_podman_conf
}

# Podman 4.3 here works only with runc, cgroupfs and bounded ulimits (the defaults fail); writes that configuration
# only when there is none, never over one that someone else wrote.
ensure_podman_conf() {
  local conf=/etc/containers/containers.conf
  if [ ! -e "$conf" ]; then
    say "Writing $conf (runc, cgroupfs, nofile/nproc ulimits)"
    as_root mkdir -p /etc/containers
    printf '%s\n' '[containers]' 'default_ulimits=["nofile=1024:1024","nproc=4096:4096"]' \
      '[engine]' 'runtime="runc"' 'cgroup_manager="cgroupfs"' | as_root tee "$conf" >/dev/null
  fi
}
