#!/usr/bin/env bash
# Runs the benchmarks (docs/benchmarks.md) against a platform of their own: its state in .run/bench and a fresh
# database rigfleet_bench, started with the load runs' rate limits, stopped again at the end. Your `make run`
# platform and its data are left alone. Expects `make deps build` to have run (make bench does both).
#   --smoke  each benchmark for a few seconds, results in bench/target/smoke-results (part of `make test`); a
#            `make run` platform that is running already is used as it is.
#   --only NAME  the full run of one benchmark (its driver's class name, e.g. AgentsPerReplica), for working on it.
#   --goals [N]  the full runs of the four benchmarks of issue 21, N rounds (3), each round on a freshly started
#            platform (make bench-goals); the rounds' results in bench/results/goals/<time>/run-<round>, and the
#            median of each goal's figure across them in bench/results (scripts/bench-summary.py --medians-of).
source "$(dirname "$0")/lib.sh"

SMOKE=""
STARTED_HERE=""
ONLY=""
GOAL_ROUNDS=""
case "${1:-}" in
  --smoke) SMOKE=1 ;;
  --only) ONLY="${2:?--only needs the name of a benchmark}" ;;
  --goals) GOAL_ROUNDS="${2:-3}" ;;
esac
[ -z "$GOAL_ROUNDS" ] || [[ "$GOAL_ROUNDS" =~ ^[1-9][0-9]*$ ]] || fail "--goals takes a number of rounds, not $GOAL_ROUNDS"
CP="$ROOT/bench/target/classes:$ROOT/bench/target/lib/*"
[ -d "$ROOT/bench/target/lib" ] || fail "bench/target/lib is missing: package first (make build)"
cd "$ROOT"

running() {
  [ -s "$RUN_DIR/pids/registry.pid" ] && kill -0 "$(cat "$RUN_DIR/pids/registry.pid")" 2>/dev/null
}

if running; then
  [ -n "$SMOKE" ] || fail "rigfleet is running; \`make stop\` first: the benchmarks need its ports"
  say "Using the running platform for the smoke run"
else
  export RIGFLEET_RUN_DIR="$ROOT/.run/bench" RIGFLEET_DB=rigfleet_bench
  STARTED_HERE=1
  RUN_DIR="$RIGFLEET_RUN_DIR"
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR/logs"
  as_postgres psql -q -c "DROP DATABASE IF EXISTS $RIGFLEET_DB WITH (FORCE)"
  # The load runs' rate limits: high enough that they measure the platform rather than 429s. The API throughput
  # benchmark sets the limiter on and off itself. The environment reaches every service, and a class needs its
  # prefixes wherever it is defined: these are workspaces' and the registry's own (their application.properties).
  export RIGFLEET_RATE_LIMIT_LIMIT=1000000000 RIGFLEET_RATE_LIMIT_CLASSES_AUTH_LIMIT=1000000000 \
    RIGFLEET_RATE_LIMIT_CLASSES_AUTH_PATH_PREFIXES=/token,/revoke,/purge,/users \
    RIGFLEET_RATE_LIMIT_CLASSES_PROVISIONING_LIMIT=1000000000 RIGFLEET_RATE_LIMIT_CLASSES_PROVISIONING_PATH_PREFIXES=/provision
  # The agents-per-replica benchmark holds 10,000 agents on the coordinator; its goal is a heap of at most 1 GiB.
  export RIGFLEET_COORDINATOR_HEAP=1g
  say "Starting the benchmarks' platform (state in .run/bench, log: .run/bench/logs/run.log)"
  trap 'scripts/stop.sh --platform-only > /dev/null' EXIT
  scripts/run.sh > "$RUN_DIR/logs/run.log" 2>&1 || { tail -20 "$RUN_DIR/logs/run.log"; fail "the platform did not start"; }
fi
FILES=(--token-file "$RUN_DIR/token")
DEVICE=(--device-file "$RUN_DIR/device-uuid")
SERVICE_KEY=(--service-key-file "$RUN_DIR/keys/service.key")

COORDINATOR=(--coordinator-pid-file "$RUN_DIR/pids/coordinator.pid")
# The allocation benchmark checks the holdings in the platform's database afterwards.
DATABASE=(--database "$RIGFLEET_DB")
# The instance benchmarks use the demo device's deployment, and the copy finds its SSH server among the agent's ports.
DEPLOYMENT=(--deployment-file "$RUN_DIR/deployment-id")
AGENT=(--agent-pid-file "$RUN_DIR/pids/agent.pid")

restart() {
  scripts/stop.sh --platform-only > /dev/null
  "$@" scripts/run.sh >> "$RUN_DIR/logs/run.log" 2>&1 \
    || { tail -20 "$RUN_DIR/logs/run.log"; fail "the platform did not start again"; }
}
# The VPN benchmark's instances are containers, which can join a VPN; its user's machine reaches the platform on a
# veth of its own, whose machine side is the address the platform gives VPN clients.
VPN_ADDRESS=10.217.252.1
vpn_platform() {
  say "Restarting the benchmarks' platform, its demo device running instances as containers, for the VPN runs"
  restart env RIGFLEET_INSTANCE_RUNTIME=container RIGFLEET_INSTANCES_VPN_ADDRESS="$VPN_ADDRESS"
}

if [ -n "$SMOKE" ]; then
  RESULTS=bench/target/smoke-results
  java -cp "$CP" dev.rigfleet.bench.ProxiedLatency "${FILES[@]}" "${DEVICE[@]}" --seconds 2 --rates 20 --no-search --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.RevocationReach "${FILES[@]}" --rounds 3 --deprovision-rounds 3 --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.TunnelThroughput "${DEVICE[@]}" "${SERVICE_KEY[@]}" --megabytes 8 --runs 1 --streams 1,4 --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.AgentFootprint "${FILES[@]}" --runs 1 --idle-seconds 2 --commands 10 --results "$RESULTS"
  # The limiter-off half needs a restart with the limiter off; the smoke run checks the driver with it on.
  java -cp "$CP" dev.rigfleet.bench.ApiThroughput "${FILES[@]}" "${DEVICE[@]}" --limiter on --seconds 2 --warmup-seconds 1 \
    --connections 8 --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.AgentsPerReplica "${FILES[@]}" "${COORDINATOR[@]}" --steps 10,30 --per-process 15 \
    --settle-seconds 1 --idle-seconds 2 --rate 20 --seconds 3 --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.AllocationThroughput "${FILES[@]}" "${SERVICE_KEY[@]}" "${DATABASE[@]}" \
    --rounds 2 --warmup-rounds 1 --warmup-seconds 1 --seconds 2 --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.InstanceStartup "${FILES[@]}" "${DEPLOYMENT[@]}" --runs 2 --warmup-runs 0 \
    --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.InstanceCopy "${FILES[@]}" "${DEPLOYMENT[@]}" "${AGENT[@]}" --megabytes 8 --runs 1 \
    --results "$RESULTS"
  java -cp "$CP" dev.rigfleet.bench.CiJobLatency "${FILES[@]}" "${DEPLOYMENT[@]}" --runs 1 --warmup-runs 0 \
    --results "$RESULTS"
  if [ -n "$STARTED_HERE" ]; then
    vpn_platform
    java -cp "$CP" dev.rigfleet.bench.VpnStartup "${FILES[@]}" "${DEPLOYMENT[@]}" --vpn-address "$VPN_ADDRESS" \
      --runs 1 --warmup-runs 0 --results "$RESULTS"
  else
    say "Not smoke-running the VPN benchmark on your running platform: it restarts the platform"
  fi
else
  RESULTS=bench/results
  # The benchmarks whose goals issue 21 set, which --goals runs.
  GOAL_BENCHMARKS=" ProxiedLatency AgentsPerReplica TunnelThroughput AgentFootprint "
  # Whether this run includes a benchmark: --only's one, --goals' four, or all of them.
  selected() {
    if [ -n "$ONLY" ]; then
      [ "$ONLY" = "$1" ]
    elif [ -n "$GOAL_ROUNDS" ]; then
      [[ "$GOAL_BENCHMARKS" == *" $1 "* ]]
    else
      true
    fi
  }
  # One benchmark's full run, if selected: the driver's class, then its arguments.
  bench() {
    selected "$1" || return 0
    local driver="$1"
    shift
    java -cp "$CP" "dev.rigfleet.bench.$driver" "$@" --results "$RESULTS"
  }
  benchmarks() {
    bench ProxiedLatency "${FILES[@]}" "${DEVICE[@]}" --seconds "${SECONDS_PER_RATE:-30}"
    bench RevocationReach "${FILES[@]}" --rounds 200 --deprovision-rounds 100
    bench TunnelThroughput "${DEVICE[@]}" "${SERVICE_KEY[@]}"
    bench AgentFootprint "${FILES[@]}" --runs 3 --idle-seconds "${IDLE:-120}"
    bench AgentsPerReplica "${FILES[@]}" "${COORDINATOR[@]}"
    bench AllocationThroughput "${FILES[@]}" "${SERVICE_KEY[@]}" "${DATABASE[@]}"
    bench InstanceStartup "${FILES[@]}" "${DEPLOYMENT[@]}"
    bench InstanceCopy "${FILES[@]}" "${DEPLOYMENT[@]}" "${AGENT[@]}"
    bench CiJobLatency "${FILES[@]}" "${DEPLOYMENT[@]}"
    if selected VpnStartup; then
      vpn_platform
      bench VpnStartup "${FILES[@]}" "${DEPLOYMENT[@]}" --vpn-address "$VPN_ADDRESS"
    fi
    if selected ApiThroughput; then
      # Both halves of the limiter's comparison on freshly started services, equally warmed by the driver.
      say "Restarting the benchmarks' platform for the API throughput runs, the rate limiter on"
      restart env
      bench ApiThroughput "${FILES[@]}" "${DEVICE[@]}" --limiter on
      say "Restarting the benchmarks' platform with the rate limiter off"
      restart env RIGFLEET_RATE_LIMIT_ENABLED=false
      bench ApiThroughput "${FILES[@]}" "${DEVICE[@]}" --limiter off
    fi
  }
  if [ -n "$GOAL_ROUNDS" ]; then
    GOALS_DIR="bench/results/goals/$(date -u +%Y-%m-%dT%H-%M-%SZ)"
    for round in $(seq 1 "$GOAL_ROUNDS"); do
      if [ "$round" -gt 1 ]; then
        # Each round as make bench meets its platform: freshly started, not after the last round's 10,000 agents.
        say "Restarting the benchmarks' platform for the next round"
        restart env
      fi
      say "Goal round $round of $GOAL_ROUNDS, results in $GOALS_DIR/run-$round"
      RESULTS="$GOALS_DIR/run-$round"
      benchmarks
    done
    python3 scripts/bench-summary.py --medians-of "$GOALS_DIR" --into bench/results
  else
    benchmarks
  fi
fi
