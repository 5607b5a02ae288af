#!/usr/bin/env bash
# Stops what `make run` and `make deps` started, and nothing else. With --platform-only, only what `make run`
# started (the benchmarks stop their platform so, leaving PostgreSQL and Redis to the tests that follow).
source "$(dirname "$0")/lib.sh"
PLATFORM_ONLY="${1:-}"

stop_pid_file() {
  local name="$1" file="$2"
  [ -s "$file" ] || return 0
  local pid; pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    say "Stopping $name"
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop_pid_file nginx "$RUN_DIR/nginx/nginx.pid"
for file in "$RUN_DIR"/pids/*.pid; do
  [ -e "$file" ] && stop_pid_file "$(basename "$file" .pid)" "$file"
done
if [ "$PLATFORM_ONLY" = --platform-only ]; then
  say "Stopped the platform"
  exit 0
fi
stop_pid_file Redis "$RUN_DIR/started/redis.pid"
if [ -s "$RUN_DIR/started/postgresql" ]; then
  say "Stopping PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(cat "$RUN_DIR/started/postgresql")" main stop
  rm -f "$RUN_DIR/started/postgresql"
fi
say "Stopped"
