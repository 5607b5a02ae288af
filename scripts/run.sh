#!/usr/bin/env bash
# Starts every rigfleet service from its packaged jar, nginx in front of them on 127.0.0.1:$RIGFLEET_PORT, a demo
# admin, and prints a token and a first request. Expects `make deps build` to have run (make run does both).
source "$(dirname "$0")/lib.sh"

declare -A PORTS=([workspaces]=8081 [instances]=8082 [registry]=8083 [coordinator]=8084 [agent]=48484)
SERVICES=(workspaces registry instances coordinator agent)
mkdir -p "$RUN_DIR"/{logs,pids,keys,nginx}
# Secrets (the JWT private key, the registry's sealing key, the admin password, the token, the provisioning key)
# are readable by their owner only, and the keys folder is the owner's alone.
chmod 700 "$RUN_DIR/keys"

# secret FILE: writes stdin into a new FILE, made 0600 from its creation: a file an older run left readable to others
# is removed first, since writing into it would show the new secret to them until a chmod.
secret() {
  rm -f "$1"
  (umask 077 && cat > "$1")
}

if [ -s "$RUN_DIR/pids/workspaces.pid" ] && kill -0 "$(cat "$RUN_DIR/pids/workspaces.pid")" 2>/dev/null; then
  fail "rigfleet is running already; \`make stop\` first"
fi

if [ ! -s "$RUN_DIR/keys/private.pem" ]; then
  say "Making a development JWT key pair in .run/keys (git-ignored)"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | secret "$RUN_DIR/keys/private.pem"
  openssl pkey -in "$RUN_DIR/keys/private.pem" -pubout -out "$RUN_DIR/keys/public.pem"
fi
if [ ! -s "$RUN_DIR/keys/instances-secrets.key" ]; then
  # Seals the private SSH keys the instances service makes for users.
  openssl rand -base64 32 | secret "$RUN_DIR/keys/instances-secrets.key"
fi
if [ ! -s "$RUN_DIR/keys/secrets.key" ]; then
  # Seals the secrets the registry keeps (owners' git SSH keys).
  openssl rand -base64 32 | secret "$RUN_DIR/keys/secrets.key"
fi
if [ ! -s "$RUN_DIR/keys/service.key" ]; then
  # Signs the services' own tokens for each other's /internal routes.
  openssl rand -base64 32 | secret "$RUN_DIR/keys/service.key"
fi
if [ ! -s "$RUN_DIR/admin-password" ]; then
  openssl rand -hex 16 | secret "$RUN_DIR/admin-password"
fi
# Kept from an earlier run, perhaps from before these were made private.
chmod 600 "$RUN_DIR/keys/private.pem" "$RUN_DIR/keys/secrets.key" "$RUN_DIR/keys/service.key" "$RUN_DIR/admin-password"

if [ "$(as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$RIGFLEET_DB'")" != 1 ]; then
  say "Creating the PostgreSQL database $RIGFLEET_DB"
  as_postgres psql -q -c "CREATE DATABASE $RIGFLEET_DB OWNER $PG_USER"
fi

# Each service's heap: 256 MB unless RIGFLEET_<SERVICE>_HEAP says otherwise (the benchmarks give the coordinator
# room for 10,000 agents: RIGFLEET_COORDINATOR_HEAP=1g).
start() {
  local service="$1"; shift
  local heap="RIGFLEET_${service^^}_HEAP"
  say "Starting $service on 127.0.0.1:${PORTS[$service]} (log: .run/logs/$service.log)"
  nohup java -Xmx"${!heap:-256m}" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="${PORTS[$service]}" \
    -Dquarkus.datasource.username="$PG_USER" -Dquarkus.datasource.password="$PG_PASSWORD" \
    -Dquarkus.datasource.reactive.url="postgresql://127.0.0.1:5432/$RIGFLEET_DB" \
    -Dquarkus.datasource.jdbc.url="jdbc:postgresql://127.0.0.1:5432/$RIGFLEET_DB" \
    -Dmp.jwt.verify.publickey.location="file:$RUN_DIR/keys/public.pem" \
    -Dsmallrye.jwt.sign.key.location="file:$RUN_DIR/keys/private.pem" \
    -Dquarkus.rest-client.revocations.url="http://127.0.0.1:${PORTS[workspaces]}" \
    "$@" -jar "$ROOT/services/$service/target/quarkus-app/quarkus-run.jar" \
    > "$RUN_DIR/logs/$service.log" 2>&1 &
  echo $! > "$RUN_DIR/pids/$service.pid"
}

ready() {
  curl -fsS "http://127.0.0.1:$1/q/health/ready"
}

# Secrets reach the services in their environment, which only their owner can read, rather than on the command
# line, which every user of the machine can (ps).
# The services' key is given to each service, never to the agent, whose apps inherit its environment.
SERVICE_KEY="$(cat "$RUN_DIR/keys/service.key")"
RIGFLEET_SERVICE_IDENTITY_KEY="$SERVICE_KEY" \
  RIGFLEET_WORKSPACES_BOOTSTRAP_ADMIN_PASSWORD="$(cat "$RUN_DIR/admin-password")" \
  start workspaces -Drigfleet.workspaces.bootstrap-admin.username=admin
wait_for 90 workspaces ready "${PORTS[workspaces]}"
# The registry asks the coordinator for the agents' stats history (GET /devices/:uuid/stats).
RIGFLEET_SERVICE_IDENTITY_KEY="$SERVICE_KEY" RIGFLEET_REGISTRY_SECRETS_KEY="$(cat "$RUN_DIR/keys/secrets.key")" \
  start registry -Dquarkus.rest-client.coordinator.url="http://127.0.0.1:${PORTS[coordinator]}"
# The instances service seals the private SSH keys it makes for users; a key of its own. It allocates through
# workspaces and opens each instance's tunnel (fwd) on the coordinator, which listens for tunnels on 127.0.0.1.
RIGFLEET_SERVICE_IDENTITY_KEY="$SERVICE_KEY" RIGFLEET_INSTANCES_SECRETS_KEY="$(cat "$RUN_DIR/keys/instances-secrets.key")" \
  start instances -Dquarkus.rest-client.workspaces.url="http://127.0.0.1:${PORTS[workspaces]}" \
  -Dquarkus.rest-client.coordinator.url="http://127.0.0.1:${PORTS[coordinator]}"
RIGFLEET_SERVICE_IDENTITY_KEY="$SERVICE_KEY" start coordinator
for service in registry instances coordinator; do
  wait_for 90 "$service" ready "${PORTS[$service]}"
done

say "Starting nginx on 127.0.0.1:$RIGFLEET_PORT (log: .run/logs/nginx-*.log)"
sed -e "s#@RUN_DIR@#$RUN_DIR#g" -e "s#@PORT@#$RIGFLEET_PORT#g" \
  -e "s#@WORKSPACES_PORT@#${PORTS[workspaces]}#g" -e "s#@INSTANCES_PORT@#${PORTS[instances]}#g" \
  -e "s#@REGISTRY_PORT@#${PORTS[registry]}#g" -e "s#@COORDINATOR_PORT@#${PORTS[coordinator]}#g" \
  "$ROOT/deploy/nginx.conf.template" > "$RUN_DIR/nginx/nginx.conf"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
"$NGINX" -c "$RUN_DIR/nginx/nginx.conf" -p "$RUN_DIR/nginx" -e "$RUN_DIR/logs/nginx-error.log"
wait_for 10 nginx curl -sS -o /dev/null "http://127.0.0.1:$RIGFLEET_PORT/"

API="http://127.0.0.1:$RIGFLEET_PORT"
say "Getting a token for the demo admin"
jq -n --arg password "$(cat "$RUN_DIR/admin-password")" '{user: "admin", password: $password}' \
  | curl -fsS -H 'Content-Type: application/json' -d @- "$API/token" | jq -r .token | secret "$RUN_DIR/token"
[ -s "$RUN_DIR/token" ] || fail "could not get a token; see .run/logs/workspaces.log"

# api METHOD PATH [JSON]: calls the API as the demo admin.
api() {
  curl -sS -X "$1" -H "Authorization: Bearer $(cat "$RUN_DIR/token")" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} "$API$2"
}

say "Creating the demo fleet with a one-service release and a provisioning key"
api POST /fleets '{"name": "demo"}' > /dev/null
APP_ID="$(api GET '/fleets?q=demo' | jq -r '.fleets[] | select(.name == "demo") | .appId')"
[ -n "$APP_ID" ] || fail "could not create the demo fleet; see .run/logs/registry.log"
api POST "/fleets/$APP_ID/releases" '{"commit": "demo-1", "services": [{"name": "hello",
  "command": ["/bin/sh", "-c", "while true; do echo hello from rigfleet; sleep 60; done"]}]}' > /dev/null
RELEASE_ID="$(api GET "/fleets/$APP_ID/releases" | jq -r '.releases[] | select(.commit == "demo-1") | .releaseId')"
api PUT "/fleets/$APP_ID/target-release" "{\"releaseId\": $RELEASE_ID}" > /dev/null
api POST "/fleets/$APP_ID/provisioning-keys" '{"description": "make run demo", "max_uses": 10}' \
  | jq -r .provisioning_key | secret "$RUN_DIR/provisioning-key"
[ -s "$RUN_DIR/provisioning-key" ] || fail "could not create a provisioning key; see .run/logs/registry.log"

# A demo device on this machine: the agent enrols with the key once (its identity stays in .run/agent) and dials
# home through the entry point. Its terminal sessions run as whoever ran `make run`, and as nobody rather than root.
SESSION_USER="$(id -un)"
[ "$SESSION_USER" != root ] || SESSION_USER=nobody
# RIGFLEET_INSTANCE_RUNTIME=container: the demo device runs instances as containers (scripts/instance-image.sh's
# image, through a Podman service of this platform's), which can join a VPN; the default runs them in the agent.
RUNTIME=()
if [ "${RIGFLEET_INSTANCE_RUNTIME:-local}" = container ]; then
  say "Building the instance image (cached after the first time) and starting a Podman service for the demo device"
  IMAGE="$("$ROOT/scripts/instance-image.sh" | tail -n 1)"
  mkdir -p "$RUN_DIR/podman"
  rm -f "$RUN_DIR/podman/engine.sock"
  nohup podman system service --time=0 "unix://$RUN_DIR/podman/engine.sock" > "$RUN_DIR/logs/podman.log" 2>&1 &
  echo $! > "$RUN_DIR/pids/podman.pid"
  wait_for 30 "the Podman service" test -S "$RUN_DIR/podman/engine.sock"
  RUNTIME=(-Drigfleet.agent.instance-runtime=container -Drigfleet.agent.instance-image="localhost/$IMAGE"
    -Drigfleet.agent.engine-socket="$RUN_DIR/podman/engine.sock")
fi
# Agents dial in through the entry point; RIGFLEET_AGENT_DIAL=coordinator has the demo agent dial the coordinator's
# own port instead (no nginx on its link: docs/benchmarks.md measures both).
case "${RIGFLEET_AGENT_DIAL:-entry}" in
  entry) AGENT_SERVER="$API" ;;
  coordinator) AGENT_SERVER="http://127.0.0.1:${PORTS[coordinator]}" ;;
  *) fail "RIGFLEET_AGENT_DIAL is entry or coordinator, not $RIGFLEET_AGENT_DIAL" ;;
esac
RIGFLEET_AGENT_PROVISIONING_KEY="$(cat "$RUN_DIR/provisioning-key")" start agent "${RUNTIME[@]}" \
  -Drigfleet.agent.servers="$AGENT_SERVER" -Drigfleet.agent.provisioning-url="$API" \
  -Drigfleet.agent.session-user="$SESSION_USER" \
  -Drigfleet.agent.iofog-key-file="$RUN_DIR/agent/local-api" \
  -Drigfleet.agent.name=demo-device \
  -Drigfleet.agent.state-dir="$RUN_DIR/agent"
wait_for 90 agent ready "${PORTS[agent]}"
device_online() {
  api GET "/devices?appId=$APP_ID" | jq -e '.devices[] | select(.name == "demo-device" and .online)' > /dev/null
}
wait_for 30 "the demo device's connection" device_online
# What scripts and the walkthrough need to call the demo agent's local APIs. The agent makes its supervisor API key
# on first use (its first app or call), which may come a moment after its link is up.
jq -r .uuid "$RUN_DIR/agent/identity.json" > "$RUN_DIR/device-uuid"
# The demo device's credential, for scripts that call the agents' own routes as the device would
# (docs/api.md: Authorization: Bearer $(cat .run/device-credential)).
jq -r '.credential // empty' "$RUN_DIR/agent/identity.json" | secret "$RUN_DIR/device-credential"
[ -s "$RUN_DIR/device-credential" ] || fail "the demo agent's identity has no credential; see .run/logs/agent.log"
wait_for 30 "the demo agent's supervisor API key" test -s "$RUN_DIR/agent/supervisor-api-key"
wait_for 30 "the demo agent's ioFog API key" test -s "$RUN_DIR/agent/local-api"

say "Creating the demo workspace type demo_device and a deployment of the demo device"
# Both stay from an earlier run on the same database: a 409 then is fine, and the deployment is found by its host.
api POST /workspaces '{"name": "demo_device", "desc": "a device enrolled by make run"}' > /dev/null
DEVICE_UUID="$(cat "$RUN_DIR/device-uuid")"
api POST /deployments "{\"type\": \"demo_device\", \"host\": \"$DEVICE_UUID\", \"region\": \"this machine\",
  \"desc\": \"the make run demo device\"}" > /dev/null
rm -f "$RUN_DIR/deployment-id"
for id in $(api GET /deployments/demo_device | jq -r '.workspace_deployments[]'); do
  if [ "$(api GET "/deployment/$id" | jq -r .host)" = "$DEVICE_UUID" ]; then echo "$id" > "$RUN_DIR/deployment-id"; fi
done
[ -s "$RUN_DIR/deployment-id" ] || fail "could not create the demo deployment; see .run/logs/workspaces.log"
cp "$RUN_DIR/agent/supervisor-api-key" "$RUN_DIR/agent-apikey"
head -n 1 "$RUN_DIR/agent/local-api" > "$RUN_DIR/iofog-key"
chmod 600 "$RUN_DIR/agent-apikey" "$RUN_DIR/iofog-key"

cat <<MSG

rigfleet is running on http://127.0.0.1:$RIGFLEET_PORT
  demo admin:  admin / $(cat "$RUN_DIR/admin-password")   (password also in .run/admin-password)
  token:       .run/token
  logs:        .run/logs/
  demo fleet:  appId $APP_ID, release demo-1 (one local process)
  demo device: demo-device ($(cat "$RUN_DIR/device-uuid")), online through the agent (state in .run/agent;
               its device credential in .run/device-credential):
               supervisor API 127.0.0.1:${PORTS[agent]} (key in .run/agent-apikey), ioFog API 127.0.0.1:54321
               (key in .run/iofog-key), running the demo release's hello service
  demo deployment: $(cat "$RUN_DIR/deployment-id") of workspace type demo_device, hosted by the demo device
               (instances run ${RUNTIME:+as containers, and can have a VPN}${RUNTIME:-in the agent; RIGFLEET_INSTANCE_RUNTIME=container for containers and VPNs})
  provisioning key: $(cat "$RUN_DIR/provisioning-key")   (also in .run/provisioning-key; 10 devices, 7 days)
Try:
  curl -i -H "Authorization: Bearer \$(cat .run/token)" http://127.0.0.1:$RIGFLEET_PORT/fleets
  curl -s "http://127.0.0.1:$RIGFLEET_PORT/deployments?info=t"
  curl -s http://127.0.0.1:$RIGFLEET_PORT/queuelen/$(cat "$RUN_DIR/deployment-id")
Ask for an instance of the demo device (its SSH key in the answer; README.md goes on from there to ssh):
  curl -s -X POST -H "Authorization: Bearer \$(cat .run/token)" http://127.0.0.1:$RIGFLEET_PORT/new/demo_device
Ask the demo agent what it runs:
  curl -s "http://127.0.0.1:${PORTS[agent]}/v2/applications/state?apikey=\$(cat .run/agent-apikey)"
Enrol a device with the key:
  curl -s -H 'Content-Type: application/json' -d "{\\"provisioning_key\\": \\"\$(cat .run/provisioning-key)\\"}" http://127.0.0.1:$RIGFLEET_PORT/provision
Stop everything with: make stop
MSG
