#!/usr/bin/env bash
# Runs the benchmarks (docs/benchmarks.md): starts the platform with the load runs' rate limits, runs each driver,
# stops the platform again. Expects `make deps build` to have run (make bench does both).
#   --smoke  each benchmark for a few seconds, results in bench/target/smoke-results (part of `make test`); a
#            platform that is running already is used as it is.
source "$(dirname "$0")/lib.sh"

SMOKE=""
[ "${1:-}" = --smoke ] && SMOKE=1
CP="$ROOT/bench/target/classes:$ROOT/bench/target/lib/*"
[ -d "$ROOT/bench/target/lib" ] || fail "bench/target/lib is missing: package first (make build)"
cd "$ROOT"

running() {
  [ -s "$RUN_DIR/pids/registry.pid" ] && kill -0 "$(cat "$RUN_DIR/pids/registry.pid")" 2>/dev/null
}

if running; then
  [ -n "$SMOKE" ] || fail "rigfleet is running; \`make stop\` first: the benchmarks start it with their own rate limits"
  say "Using the running platform for the smoke run"
else
  # The load runs' rate limit: high enough that they measure the platform rather than 429s. Benchmark 3 sets the
  # limiter on and off itself.
  export RIGFLEET_RATE_LIMIT_LIMIT=1000000000
  say "Starting the platform for the benchmarks (log: .run/logs/bench-run.log)"
  mkdir -p "$RUN_DIR/logs"
  scripts/run.sh > "$RUN_DIR/logs/bench-run.log" 2>&1 || { tail -20 "$RUN_DIR/logs/bench-run.log"; fail "the platform did not start"; }
  trap 'scripts/stop.sh --platform-only > /dev/null' EXIT
fi
wait_for 60 "the demo device" grep -q . "$RUN_DIR/device-uuid"

if [ -n "$SMOKE" ]; then
  RESULTS=bench/target/smoke-results
  java -cp "$CP" dev.rigfleet.bench.ProxiedLatency --seconds 2 --rates 20 --no-search --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.AgentFootprint --runs 1 --idle-seconds 2 --results "$RESULTS"
else
  java -cp "$CP" dev.rigfleet.bench.ProxiedLatency --seconds "${SECONDS_PER_RATE:-30}"
  java -cp "$CP" dev.rigfleet.bench.AgentFootprint --runs 3 --idle-seconds "${IDLE:-120}"
fi
