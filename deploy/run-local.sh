#!/usr/bin/env bash
# Runs Pathways on this machine without containers: installs what is missing,
# builds, starts a private redis-server and the services, loads the demo
# economy (deploy/demo/training.json) and waits; Ctrl-C stops everything.
#
#   bash deploy/run-local.sh
#
# Settings (environment):
#   BUILD_DIR          build tree (default build/)
#   RUN_DIR            logs, signing secret and Redis data (default run/)
#   REDIS_PORT         private redis-server port (default 6390)
#   GRPC_PORT          training service gRPC port (default 50051)
#   METRICS_PORT       training service Prometheus port (default 9091)
#   GRPC_HOST          address the services listen on (default 127.0.0.1)
#   PATHWAYS_BUILD_TESTS  build the tests too (default OFF: the run needs none)
#   PATHWAYS_RUN_ONCE=1   start, load, smoke-check, stop and exit 0 (for CI)
#   PATHWAYS_SKIP_BUILD=1 use the binaries already in BUILD_DIR (no set-up or build)
#
# Redis keeps its data in RUN_DIR/redis between runs; delete that directory
# to start from an empty catalogue.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$ROOT/build}")
RUN_DIR=$(realpath -m "${RUN_DIR:-$ROOT/run}")
REDIS_PORT=${REDIS_PORT:-6390}
GRPC_PORT=${GRPC_PORT:-50051}
METRICS_PORT=${METRICS_PORT:-9091}
GRPC_HOST=${GRPC_HOST:-127.0.0.1}
RUN_ONCE=${PATHWAYS_RUN_ONCE:-0}
DEMO_FILE=$ROOT/deploy/demo/training.json
SECRET_FILE=$RUN_DIR/auth_secret
# Where clients connect: the listening address, or loopback for a wildcard.
CONNECT_HOST=$GRPC_HOST
[[ "$CONNECT_HOST" == "0.0.0.0" || "$CONNECT_HOST" == "::" ]] && CONNECT_HOST=127.0.0.1

TRAINING_SERVER=$BUILD_DIR/services/training/training_server
TOKEN_TOOL=$BUILD_DIR/tools/pathways-token
LOADER=$BUILD_DIR/tools/pathways-load-demo

REDIS_PID=""
TRAINING_PID=""
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
  -u AUTH_SECRET -u PATHWAYS_TOKEN AUTH_SECRET_FILE="$SECRET_FILE")

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
  # Services first (they drain their calls), Redis last.
  stop_process "$TRAINING_PID" "training service" 20
  if ((STOPPED_CODE != 0)); then
    log "training service exited with status $STOPPED_CODE; see $RUN_DIR/training.log"
    ((status != 0)) || status=1
  fi
  stop_process "$REDIS_PID" "redis-server" 10
  if ((STOPPED_CODE != 0)); then
    log "redis-server exited with status $STOPPED_CODE; see $RUN_DIR/redis.log"
    ((status != 0)) || status=1
  fi
  [[ -z "$TRAINING_PID$REDIS_PID" ]] || log "stopped"
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
for binary in "$TRAINING_SERVER" "$TOKEN_TOOL" "$LOADER"; do
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
log "starting the training service on $GRPC_HOST:$GRPC_PORT"
"${LOCAL_ENV[@]}" GRPC_HOST="$GRPC_HOST" GRPC_PORT="$GRPC_PORT" METRICS_PORT="$METRICS_PORT" \
  REDIS_ADDR="127.0.0.1:$REDIS_PORT" "$TRAINING_SERVER" >"$RUN_DIR/training.log" 2>&1 &
TRAINING_PID=$!

# ------------------------------------------------------------ e. demo economy
# The loader waits (up to 30 s) for the service to accept connections; a
# service that fails at start is reported at once rather than after that wait.
"${LOCAL_ENV[@]}" "$LOADER" --training "$CONNECT_HOST:$GRPC_PORT" --file "$DEMO_FILE" &
LOADER_PID=$!
finished=""
wait -n -p finished "$LOADER_PID" "$TRAINING_PID" && status=0 || status=$?
if [[ "$finished" == "$TRAINING_PID" ]]; then
  TRAINING_PID=""  # Reaped by wait -n; nothing left to stop.
  tail -n 20 "$RUN_DIR/training.log" >&2
  die "the training service exited at start (status $status); see $RUN_DIR/training.log"
fi
LOADER_PID=""
((status == 0)) || die "loading the demo economy failed; see above and $RUN_DIR/training.log"

# ----------------------------------------------------------------- f. summary
token_command="AUTH_SECRET_FILE=$SECRET_FILE $TOKEN_TOOL --role adviser --org demo"
heat_pump_skill=http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f
cat <<EOF

Pathways is running locally.
  training service  gRPC $CONNECT_HOST:$GRPC_PORT (plaintext; health and reflection on)
                    log $RUN_DIR/training.log
  metrics           http://$CONNECT_HOST:$METRICS_PORT/metrics
  redis-server      127.0.0.1:$REDIS_PORT, data $RUN_DIR/redis, log $RUN_DIR/redis.log
  signing secret    $SECRET_FILE

A token for calls (header "authorization: Bearer <token>"):
  $token_command

Example: the courses that teach "install heat pump"
  TOKEN=\$($token_command)
  grpcurl -plaintext -H "authorization: Bearer \$TOKEN" \\
    -d '{"parent": "providers/-", "skill": "$heat_pump_skill"}' \\
    $CONNECT_HOST:$GRPC_PORT pathways.training.v1.TrainingService/ListCourses
EOF
if ! command -v grpcurl >/dev/null; then
  echo "  (grpcurl is not installed here, so this example cannot be run as is; any gRPC"
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
  log "smoke check: loading again (must change nothing) with a token from pathways-token"
  local admin_token
  admin_token=$("${LOCAL_ENV[@]}" "$TOKEN_TOOL" --role admin --subject run-local-smoke --hours 1)
  "${LOCAL_ENV[@]}" PATHWAYS_TOKEN="$admin_token" "$LOADER" --training "$CONNECT_HOST:$GRPC_PORT" \
    --file "$DEMO_FILE" --verify || die "smoke check: reloading or verifying the demo failed"
  log "smoke check: metrics endpoint"
  local metrics
  metrics=$(http_get "$CONNECT_HOST" "$METRICS_PORT" /metrics) ||
    die "smoke check: cannot read http://$CONNECT_HOST:$METRICS_PORT/metrics"
  grep -q '^grpc_server_handled_total' <<<"$metrics" ||
    die "smoke check: http://$CONNECT_HOST:$METRICS_PORT/metrics has no grpc_server_handled_total"
  log "smoke check: redis holds $(redis-cli -p "$REDIS_PORT" dbsize) keys"
  log "smoke check passed"
}

if [[ "$RUN_ONCE" == 1 ]]; then
  smoke_check
  exit 0
fi

# -------------------------------------------------------------- g. wait
log "running; press Ctrl-C to stop"
# Returns when either process ends on its own, or when a signal arrives (the
# traps then stop everything).
wait -n "$REDIS_PID" "$TRAINING_PID" || true
kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server stopped unexpectedly; see $RUN_DIR/redis.log"
kill -0 "$TRAINING_PID" 2>/dev/null || die "the training service stopped unexpectedly; see $RUN_DIR/training.log"
