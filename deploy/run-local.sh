#!/usr/bin/env bash
# Runs Pathways on this machine without containers: installs what is missing,
# builds, starts a private redis-server, the training, demand and profiles
# services and the matcher, loads the demo economy (deploy/demo/:
# training.json, demand.json, profiles.json), waits for the matcher to index
# it and waits; Ctrl-C stops everything.
#
#   bash deploy/run-local.sh
#
# Settings (environment):
#   BUILD_DIR          build tree (default build/)
#   RUN_DIR            logs, signing secret and Redis data (default run/)
#   REDIS_PORT         private redis-server port (default 6390)
#   GRPC_PORT          training service gRPC port (default 50051)
#   METRICS_PORT       training service Prometheus port (default 9091)
#   DEMAND_PORT        demand service gRPC port (default 50052)
#   DEMAND_METRICS_PORT   demand service Prometheus port (default 9092)
#   PROFILES_PORT      profiles service gRPC port (default 50053)
#   PROFILES_METRICS_PORT profiles service Prometheus port (default 9093)
#   MATCHER_PORT       matcher gRPC port (default 50054)
#   MATCHER_METRICS_PORT  matcher Prometheus port (default 9094)
#   GRPC_HOST          address the services listen on (default 127.0.0.1)
#   PATHWAYS_BUILD_TESTS  build the tests too (default OFF: the run needs none)
#   PATHWAYS_RUN_ONCE=1   start, load, smoke-check, stop and exit 0 (for CI)
#   PATHWAYS_SKIP_BUILD=1 use the binaries already in BUILD_DIR (no set-up or build)
#
# Other service settings in the environment (LOG_LEVEL, for the profiles
# service RETENTION_SWEEP_SECONDS, PROFILE_RETENTION_DAYS, ..., for the
# matcher TIME_ZONE) reach the services as they are. The matcher is pointed
# at the local services (TRAINING_ADDR, DEMAND_ADDR, PROFILES_ADDR) and needs
# no Redis.
#
# Redis keeps its data in RUN_DIR/redis between runs; delete that directory
# to start from an empty economy.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$ROOT/build}")
RUN_DIR=$(realpath -m "${RUN_DIR:-$ROOT/run}")
REDIS_PORT=${REDIS_PORT:-6390}
GRPC_PORT=${GRPC_PORT:-50051}
METRICS_PORT=${METRICS_PORT:-9091}
DEMAND_PORT=${DEMAND_PORT:-50052}
DEMAND_METRICS_PORT=${DEMAND_METRICS_PORT:-9092}
PROFILES_PORT=${PROFILES_PORT:-50053}
PROFILES_METRICS_PORT=${PROFILES_METRICS_PORT:-9093}
MATCHER_PORT=${MATCHER_PORT:-50054}
MATCHER_METRICS_PORT=${MATCHER_METRICS_PORT:-9094}
GRPC_HOST=${GRPC_HOST:-127.0.0.1}
RUN_ONCE=${PATHWAYS_RUN_ONCE:-0}
TRAINING_FILE=$ROOT/deploy/demo/training.json
DEMAND_FILE=$ROOT/deploy/demo/demand.json
PROFILES_FILE=$ROOT/deploy/demo/profiles.json
SECRET_FILE=$RUN_DIR/auth_secret
# Where clients connect: the listening address, or loopback for a wildcard.
CONNECT_HOST=$GRPC_HOST
[[ "$CONNECT_HOST" == "0.0.0.0" || "$CONNECT_HOST" == "::" ]] && CONNECT_HOST=127.0.0.1

TRAINING_SERVER=$BUILD_DIR/services/training/training_server
DEMAND_SERVER=$BUILD_DIR/services/demand/demand_server
PROFILES_SERVER=$BUILD_DIR/services/profiles/profiles_server
MATCHER_SERVER=$BUILD_DIR/services/matcher/matcher_server
TOKEN_TOOL=$BUILD_DIR/tools/pathways-token
LOADER=$BUILD_DIR/tools/pathways-load-demo

REDIS_PID=""
TRAINING_PID=""
DEMAND_PID=""
PROFILES_PID=""
MATCHER_PID=""
LOADER_PID=""

log() { printf '[run-local] %s\n' "$*"; }
die() {
  printf '[run-local] error: %s\n' "$*" >&2
  exit 1
}

# Prefix for every local process: they talk to loopback, where a proxy from
# the caller's environment would intercept gRPC, and a signing secret or token
# from it would not match ours. (An array, not a function: a backgrounded
# function runs in a subshell, and $! would then not be the server.)
LOCAL_ENV=(env -u http_proxy -u https_proxy -u grpc_proxy -u HTTP_PROXY -u HTTPS_PROXY
  -u AUTH_SECRET -u PATHWAYS_TOKEN -u PATHWAYS_ADVISER_TOKEN AUTH_SECRET_FILE="$SECRET_FILE")

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
  local port=$1 variable=$2
  if port_in_use "$port"; then
    die "port $port is already in use (an earlier run still going?); stop it or set $variable"
  fi
}

# Sends SIGTERM and waits up to $3 seconds, then SIGKILL; sets STOPPED_CODE
# to the exit status. (Not a $(...) function: only this shell can reap its
# children.)
STOPPED_CODE=0
stop_process() {
  local pid=$1 name=$2 patience=$3
  STOPPED_CODE=0
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < patience * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop within ${patience} s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || STOPPED_CODE=$?
}

CLEANED_UP=0
cleanup() {
  local status=$?
  ((CLEANED_UP)) && return
  CLEANED_UP=1
  trap - INT TERM
  [[ -z "$LOADER_PID" ]] || kill -TERM "$LOADER_PID" 2>/dev/null || true
  # The matcher first (it calls the others), then the data services (they
  # drain their calls), Redis last.
  local service pid
  for service in matcher profiles demand training; do
    case "$service" in
      matcher) pid=$MATCHER_PID ;;
      profiles) pid=$PROFILES_PID ;;
      demand) pid=$DEMAND_PID ;;
      training) pid=$TRAINING_PID ;;
    esac
    stop_process "$pid" "$service service" 20
    if ((STOPPED_CODE != 0)); then
      log "$service service exited with status $STOPPED_CODE; see $RUN_DIR/$service.log"
      ((status != 0)) || status=1
    fi
  done
  stop_process "$REDIS_PID" "redis-server" 10
  if ((STOPPED_CODE != 0)); then
    log "redis-server exited with status $STOPPED_CODE; see $RUN_DIR/redis.log"
    ((status != 0)) || status=1
  fi
  [[ -z "$TRAINING_PID$DEMAND_PID$PROFILES_PID$MATCHER_PID$REDIS_PID" ]] || log "stopped"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ "${PATHWAYS_SKIP_BUILD:-0}" != 1 ]]; then
  # -------------------------------------------------------------- a. packages
  bash "$ROOT/deploy/setup.sh"

  # ----------------------------------------------------------------- b. build
  log "building into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPATHWAYS_BUILD_TESTS="${PATHWAYS_BUILD_TESTS:-OFF}" >/dev/null
  cmake --build "$BUILD_DIR" -j2
fi
for binary in "$TRAINING_SERVER" "$DEMAND_SERVER" "$PROFILES_SERVER" "$MATCHER_SERVER" \
  "$TOKEN_TOOL" "$LOADER"; do
  [[ -x "$binary" ]] || die "the build did not produce $binary"
done

# ------------------------------------------------------------ c. redis, secret
mkdir -p "$RUN_DIR/redis"
chmod 700 "$RUN_DIR"
if [[ ! -s "$SECRET_FILE" ]]; then
  log "generating a signing secret in $SECRET_FILE"
  (
    umask 077
    if command -v openssl >/dev/null; then
      openssl rand -hex 32 >"$SECRET_FILE.new"
    else
      od -An -vtx1 -N32 /dev/urandom | tr -d ' \n' >"$SECRET_FILE.new"
      echo >>"$SECRET_FILE.new"
    fi
    mv "$SECRET_FILE.new" "$SECRET_FILE"
  )
fi

require_free_port "$REDIS_PORT" REDIS_PORT
require_free_port "$GRPC_PORT" GRPC_PORT
require_free_port "$METRICS_PORT" METRICS_PORT
require_free_port "$DEMAND_PORT" DEMAND_PORT
require_free_port "$DEMAND_METRICS_PORT" DEMAND_METRICS_PORT
require_free_port "$PROFILES_PORT" PROFILES_PORT
require_free_port "$PROFILES_METRICS_PORT" PROFILES_METRICS_PORT
require_free_port "$MATCHER_PORT" MATCHER_PORT
require_free_port "$MATCHER_METRICS_PORT" MATCHER_METRICS_PORT

log "starting redis-server on 127.0.0.1:$REDIS_PORT (data in $RUN_DIR/redis)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$RUN_DIR/redis" \
  --appendonly yes --daemonize no >"$RUN_DIR/redis.log" 2>&1 &
REDIS_PID=$!
for ((i = 0; ; i++)); do
  if [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; then break; fi
  kill -0 "$REDIS_PID" 2>/dev/null || {
    tail -n 20 "$RUN_DIR/redis.log" >&2
    die "redis-server exited at start; see $RUN_DIR/redis.log"
  }
  ((i < 100)) || die "redis-server did not answer PING within 10 s; see $RUN_DIR/redis.log"
  sleep 0.1
done

# -------------------------------------------------------------- d. services
# Each service logs to RUN_DIR/<name>.log and shares Redis (each in its own
# keyspace) and the signing secret.
log "starting the training service on $GRPC_HOST:$GRPC_PORT"
"${LOCAL_ENV[@]}" GRPC_HOST="$GRPC_HOST" GRPC_PORT="$GRPC_PORT" METRICS_PORT="$METRICS_PORT" \
  REDIS_ADDR="127.0.0.1:$REDIS_PORT" "$TRAINING_SERVER" >"$RUN_DIR/training.log" 2>&1 &
TRAINING_PID=$!
log "starting the demand service on $GRPC_HOST:$DEMAND_PORT"
"${LOCAL_ENV[@]}" GRPC_HOST="$GRPC_HOST" GRPC_PORT="$DEMAND_PORT" METRICS_PORT="$DEMAND_METRICS_PORT" \
  REDIS_ADDR="127.0.0.1:$REDIS_PORT" "$DEMAND_SERVER" >"$RUN_DIR/demand.log" 2>&1 &
DEMAND_PID=$!
log "starting the profiles service on $GRPC_HOST:$PROFILES_PORT"
"${LOCAL_ENV[@]}" GRPC_HOST="$GRPC_HOST" GRPC_PORT="$PROFILES_PORT" \
  METRICS_PORT="$PROFILES_METRICS_PORT" REDIS_ADDR="127.0.0.1:$REDIS_PORT" \
  "$PROFILES_SERVER" >"$RUN_DIR/profiles.log" 2>&1 &
PROFILES_PID=$!
# The matcher keeps no data: it lists the training and demand services, then
# follows their change feeds, and fetches a profile from the profiles service
# when asked to rank for it. Until the data services answer it retries, and
# reports itself not ready.
log "starting the matcher on $GRPC_HOST:$MATCHER_PORT"
"${LOCAL_ENV[@]}" GRPC_HOST="$GRPC_HOST" GRPC_PORT="$MATCHER_PORT" \
  METRICS_PORT="$MATCHER_METRICS_PORT" TRAINING_ADDR="$CONNECT_HOST:$GRPC_PORT" \
  DEMAND_ADDR="$CONNECT_HOST:$DEMAND_PORT" PROFILES_ADDR="$CONNECT_HOST:$PROFILES_PORT" \
  "$MATCHER_SERVER" >"$RUN_DIR/matcher.log" 2>&1 &
MATCHER_PID=$!

# ------------------------------------------------------------ e. demo economy
# The loader's arguments for the whole demo economy; it issues itself an
# admin token and, for the profiles, an adviser token of the demo careers
# service, both from the signing secret. After loading, it waits until the
# matcher reports ready and its index holds the demo's courses and roles.
LOAD_ARGS=(--training "$CONNECT_HOST:$GRPC_PORT" --file "$TRAINING_FILE"
  --demand "$CONNECT_HOST:$DEMAND_PORT" --employers "$DEMAND_FILE"
  --profiles "$CONNECT_HOST:$PROFILES_PORT" --people "$PROFILES_FILE"
  --matcher "$CONNECT_HOST:$MATCHER_PORT")
# The loader waits (up to 30 s each) for the services to accept connections,
# and up to 60 s more for the matcher's index; a service that fails at start
# is reported at once rather than after that wait.
"${LOCAL_ENV[@]}" "$LOADER" "${LOAD_ARGS[@]}" &
LOADER_PID=$!
finished=""
wait -n -p finished "$LOADER_PID" "$TRAINING_PID" "$DEMAND_PID" "$PROFILES_PID" "$MATCHER_PID" &&
  status=0 || status=$?
failed_service=""
case "$finished" in
  "$TRAINING_PID") failed_service=training TRAINING_PID="" ;;  # Reaped by wait -n.
  "$DEMAND_PID") failed_service=demand DEMAND_PID="" ;;
  "$PROFILES_PID") failed_service=profiles PROFILES_PID="" ;;
  "$MATCHER_PID") failed_service=matcher MATCHER_PID="" ;;
esac
if [[ -n "$failed_service" ]]; then
  tail -n 20 "$RUN_DIR/$failed_service.log" >&2
  die "the $failed_service service exited at start (status $status); see $RUN_DIR/$failed_service.log"
fi
LOADER_PID=""
((status == 0)) ||
  die "loading the demo economy failed; see above and the service logs in $RUN_DIR"

# ----------------------------------------------------------------- f. summary
# An adviser of the demo careers service: it may read courses, roles and
# demand, and the demo profiles its organisation holds.
token_command="AUTH_SECRET_FILE=$SECRET_FILE $TOKEN_TOOL --role adviser --org demo-careers-service"
heat_pump_skill=http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f
demo_profile=profiles/demo-yp-a41c
cat <<EOF

Pathways is running locally (plaintext gRPC; health and reflection on).
  training service  gRPC $CONNECT_HOST:$GRPC_PORT, metrics http://$CONNECT_HOST:$METRICS_PORT/metrics
                    log $RUN_DIR/training.log
  demand service    gRPC $CONNECT_HOST:$DEMAND_PORT, metrics http://$CONNECT_HOST:$DEMAND_METRICS_PORT/metrics
                    log $RUN_DIR/demand.log
  profiles service  gRPC $CONNECT_HOST:$PROFILES_PORT, metrics http://$CONNECT_HOST:$PROFILES_METRICS_PORT/metrics
                    log $RUN_DIR/profiles.log
  matcher           gRPC $CONNECT_HOST:$MATCHER_PORT, metrics http://$CONNECT_HOST:$MATCHER_METRICS_PORT/metrics
                    log $RUN_DIR/matcher.log
  redis-server      127.0.0.1:$REDIS_PORT, data $RUN_DIR/redis, log $RUN_DIR/redis.log
  signing secret    $SECRET_FILE
  demo economy      $TRAINING_FILE
                    $DEMAND_FILE
                    $PROFILES_FILE

A token for calls (header "authorization: Bearer <token>"), here an adviser of
the demo careers service, which holds the demo profiles:
  $token_command

Examples:
  TOKEN=\$($token_command)
  # the courses that teach "install heat pump"
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" \\
    -d '{"parent": "providers/-", "skill": "$heat_pump_skill"}' \\
    $CONNECT_HOST:$GRPC_PORT pathways.training.v1.TrainingService/ListCourses
  # the skills employers will need over the next five years
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" \\
    -d '{"horizon": "HORIZON_FIVE_YEARS", "group_by": "GROUP_BY_SKILL"}' \\
    $CONNECT_HOST:$DEMAND_PORT pathways.demand.v1.DemandService/GetDemandSummary
  # the demo profiles (every read is recorded in the audit log)
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" -d '{}' \\
    $CONNECT_HOST:$PROFILES_PORT pathways.profiles.v1.ProfilesService/ListProfiles
  # the three best pathways into work for one of them (read with the adviser's
  # token, so this too is in the audit log)
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" \\
    -d '{"profile": "$demo_profile", "top_k": 3}' \\
    $CONNECT_HOST:$MATCHER_PORT pathways.matcher.v1.MatcherService/RankPathways
EOF
if ! command -v grpcurl >/dev/null; then
  echo "  (grpcurl is not installed here, so these examples cannot be run as is; any gRPC"
  echo "  client that sends the token in that header works.)"
fi
echo

# -------------------------------------------------------------- smoke check
http_get() { # host port path: prints the response, HTTP/1.0 so the server closes
  exec 3<>"/dev/tcp/$1/$2"
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&3
  cat <&3
  exec 3<&-
}

smoke_check() {
  log "smoke check: loading again (must change nothing) and ranking pathways, with tokens from pathways-token"
  local admin_token adviser_token
  admin_token=$("${LOCAL_ENV[@]}" "$TOKEN_TOOL" --role admin --subject run-local-smoke --hours 1)
  adviser_token=$("${LOCAL_ENV[@]}" "$TOKEN_TOOL" --role adviser --org demo-careers-service \
    --subject run-local-smoke --hours 1)
  "${LOCAL_ENV[@]}" PATHWAYS_TOKEN="$admin_token" PATHWAYS_ADVISER_TOKEN="$adviser_token" \
    "$LOADER" "${LOAD_ARGS[@]}" --verify ||
    die "smoke check: reloading or verifying the demo, or ranking pathways, failed"
  local service port metrics
  for service in training demand profiles matcher; do
    case "$service" in
      training) port=$METRICS_PORT ;;
      demand) port=$DEMAND_METRICS_PORT ;;
      profiles) port=$PROFILES_METRICS_PORT ;;
      matcher) port=$MATCHER_METRICS_PORT ;;
    esac
    log "smoke check: $service metrics endpoint"
    metrics=$(http_get "$CONNECT_HOST" "$port" /metrics) ||
      die "smoke check: cannot read http://$CONNECT_HOST:$port/metrics"
    grep -q '^grpc_server_handled_total' <<<"$metrics" ||
      die "smoke check: http://$CONNECT_HOST:$port/metrics has no grpc_server_handled_total"
  done
  log "smoke check: redis holds $(redis-cli -p "$REDIS_PORT" dbsize) keys"
  log "smoke check passed"
}

if [[ "$RUN_ONCE" == 1 ]]; then
  smoke_check
  exit 0
fi

# -------------------------------------------------------------- g. wait
log "running; press Ctrl-C to stop"
# Returns when any process ends on its own, or when a signal arrives (the
# traps then stop everything).
wait -n "$REDIS_PID" "$TRAINING_PID" "$DEMAND_PID" "$PROFILES_PID" "$MATCHER_PID" || true
kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server stopped unexpectedly; see $RUN_DIR/redis.log"
kill -0 "$TRAINING_PID" 2>/dev/null || die "the training service stopped unexpectedly; see $RUN_DIR/training.log"
kill -0 "$DEMAND_PID" 2>/dev/null || die "the demand service stopped unexpectedly; see $RUN_DIR/demand.log"
kill -0 "$PROFILES_PID" 2>/dev/null || die "the profiles service stopped unexpectedly; see $RUN_DIR/profiles.log"
kill -0 "$MATCHER_PID" 2>/dev/null || die "the matcher stopped unexpectedly; see $RUN_DIR/matcher.log"
