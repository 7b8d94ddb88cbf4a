#!/usr/bin/env bash
# Generates a synthetic Greater Manchester economy and loads it through the
# services' APIs into the local run that deploy/run-local.sh started (on the
# same ports, with the same signing secret):
#
#   bash deploy/run-local.sh                         # in one terminal
#   bash deploy/load-economy.sh --scale city         # in another
#
# Options:
#   --scale demo|city|region   how big (default city: ~20,000 roles, ~5,000
#                              courses, 100,000 profiles; region is ten times
#                              that and needs a few GB in TMPDIR)
#   --seed N                   which economy of that size (default 1)
#   --keep DIR                 generate into DIR and keep it (default: a
#                              temporary directory, removed afterwards)
#   -- ARGS                    passed on to pathways-load-demo, e.g.
#                              -- --concurrency 32 --progress 10
#
# Settings (environment), as for deploy/run-local.sh: BUILD_DIR, RUN_DIR (for
# RUN_DIR/auth_secret), GRPC_HOST, GRPC_PORT, DEMAND_PORT, PROFILES_PORT.
#
# The economy is dated today, so the services accept its closing dates and
# ages. Loading it again is harmless: what is there is counted as already
# there. The profiles belong to the organisation demo-careers-service, like
# the demo's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$ROOT/build}")
RUN_DIR=$(realpath -m "${RUN_DIR:-$ROOT/run}")
GRPC_PORT=${GRPC_PORT:-50051}
DEMAND_PORT=${DEMAND_PORT:-50052}
PROFILES_PORT=${PROFILES_PORT:-50053}
GRPC_HOST=${GRPC_HOST:-127.0.0.1}
CONNECT_HOST=$GRPC_HOST
[[ "$CONNECT_HOST" == "0.0.0.0" || "$CONNECT_HOST" == "::" ]] && CONNECT_HOST=127.0.0.1
SECRET_FILE=$RUN_DIR/auth_secret
GENERATOR=$BUILD_DIR/tests/generator/pathways-generate
LOADER=$BUILD_DIR/tools/pathways-load-demo

log() { printf '[load-economy] %s\n' "$*"; }
die() {
  printf '[load-economy] error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

SCALE=city
SEED=1
KEEP=""
LOADER_ARGS=()
while (($#)); do
  case "$1" in
    --scale) SCALE=${2:?--scale needs demo, city or region}; shift 2 ;;
    --scale=*) SCALE=${1#*=}; shift ;;
    --seed) SEED=${2:?--seed needs a number}; shift 2 ;;
    --seed=*) SEED=${1#*=}; shift ;;
    --keep) KEEP=${2:?--keep needs a directory}; shift 2 ;;
    --keep=*) KEEP=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; LOADER_ARGS=("$@"); break ;;
    *) usage >&2; die "unknown argument \"$1\"" ;;
  esac
done
case "$SCALE" in
  demo | city | region) ;;
  *) die "--scale must be demo, city or region, got \"$SCALE\"" ;;
esac

[[ -s "$SECRET_FILE" ]] ||
  die "no signing secret at $SECRET_FILE: start the services with deploy/run-local.sh first (or set RUN_DIR)"

# The generator is a test tool, built only with the tests; build what is
# missing without touching anything else.
if [[ ! -x "$GENERATOR" || ! -x "$LOADER" ]]; then
  log "building pathways-generate and pathways-load-demo in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DPATHWAYS_BUILD_TESTS=ON >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target pathways-generate pathways-load-demo
fi

if [[ -n "$KEEP" ]]; then
  OUT=$(realpath -m "$KEEP")
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/pathways-economy.XXXXXX")
  trap 'rm -rf "$OUT"' EXIT
fi

log "generating the $SCALE economy (seed $SEED, dated $(date -u +%F)) in $OUT"
started=$(date +%s)
"$GENERATOR" --scale "$SCALE" --seed "$SEED" --format requests --today "$(date -u +%F)" \
  --out "$OUT"
log "generated in $(($(date +%s) - started)) s ($(du -sh "$OUT" | cut -f1))"

# Loopback calls must not go through a proxy from the caller's environment,
# and the tokens come from the local run's secret.
log "loading into training $CONNECT_HOST:$GRPC_PORT, demand $CONNECT_HOST:$DEMAND_PORT, profiles $CONNECT_HOST:$PROFILES_PORT"
env -u http_proxy -u https_proxy -u grpc_proxy -u HTTP_PROXY -u HTTPS_PROXY \
  -u AUTH_SECRET -u PATHWAYS_TOKEN -u PATHWAYS_ADVISER_TOKEN AUTH_SECRET_FILE="$SECRET_FILE" \
  "$LOADER" --economy "$OUT" --training "$CONNECT_HOST:$GRPC_PORT" \
  --demand "$CONNECT_HOST:$DEMAND_PORT" --profiles "$CONNECT_HOST:$PROFILES_PORT" \
  "${LOADER_ARGS[@]}"
