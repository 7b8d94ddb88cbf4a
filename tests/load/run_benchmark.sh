#!/usr/bin/env bash
# Measures the services under load on this machine: redis-server, the data
# services and the matcher share core 1, the load generator runs on core 0,
# and every call is reported as a ratio to the training service's health
# check measured in the same run.
#
# It loads a generated economy (SCALE) into the training and demand services
# through their APIs and waits until the matcher's index holds all of it
# (the matcher follows the loading through its change feeds), then
#  1. measures how soon a course update shows in RankPathways answers while
#     courses are updated at WRITE_RATE a second for UPDATE_SECONDS and
#     RankPathways runs at UPDATE_CONCURRENCY, with the matcher's own
#     apply-lag histogram (matcher_feed_apply_lag_seconds) from its /metrics;
#  2. the same for role updates (their openings), as employers fill posts;
#  3. measures throughput: health, rank_pathways, then the data services'
#     calls, each for SECONDS at CONCURRENCY (the write calls come last, as
#     they add courses and roles the matcher would rank).
#
# usage: tests/load/run_benchmark.sh [BUILD_DIR] [SECONDS] [CONCURRENCY]
#   environment: SCALE=demo|city|region (default city), WRITE_RATE (default
#   100), UPDATE_SECONDS (default 20), UPDATE_CONCURRENCY (default 4),
#   REDIS_PORT (default 6399), GRPC_PORT (default 50199; the matcher and the
#   other services take the next four ports)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
concurrency=${3:-16}
scale=${SCALE:-city}
write_rate=${WRITE_RATE:-100}
update_seconds=${UPDATE_SECONDS:-20}
update_concurrency=${UPDATE_CONCURRENCY:-4}
work=$(mktemp -d /tmp/pathways-bench-XXXXXX)
redis_port=${REDIS_PORT:-6399}
grpc_port=${GRPC_PORT:-50199}
demand_port=$((grpc_port + 1))
profiles_port=$((grpc_port + 2))
matcher_port=$((grpc_port + 3))
matcher_metrics_port=$((grpc_port + 4))
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

export AUTH_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
taskset -c 1 redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save '' \
  --appendonly yes --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

start_service() { # name port [metrics port]
  GRPC_PORT=$2 METRICS_PORT=${3:-0} REDIS_ADDR=127.0.0.1:$redis_port LOG_LEVEL=warning \
    taskset -c 1 "$build/services/$1/$1_server" >"$work/$1.log" 2>&1 &
  pids+=($!)
}
start_service training "$grpc_port"
start_service demand "$demand_port"
start_service profiles "$profiles_port"
TRAINING_ADDR=127.0.0.1:$grpc_port DEMAND_ADDR=127.0.0.1:$demand_port \
  PROFILES_ADDR=127.0.0.1:$profiles_port start_service matcher "$matcher_port" \
  "$matcher_metrics_port"

load() {
  "$build/tests/load/pathways-load" --training "127.0.0.1:$grpc_port" \
    --demand "127.0.0.1:$demand_port" --profiles "127.0.0.1:$profiles_port" \
    --matcher "127.0.0.1:$matcher_port" --scale "$scale" --cpu 0 "$@"
}
apply_lag_buckets() { # feed: the matcher's apply-lag histogram, as "le count" lines
  curl -sf "http://127.0.0.1:$matcher_metrics_port/metrics" |
    awk -v feed="$1" '$0 ~ "^matcher_feed_apply_lag_seconds_bucket\\{feed=\"" feed "\"" {
           match($0, /le="[^"]*"/); print substr($0, RSTART + 4, RLENGTH - 5), $2 }'
}

echo "== loading the $scale economy"
load --load-only

status=0
for kind in courses roles; do
  echo "== ${kind%s} update to RankPathways ($scale economy, $write_rate updates/s," \
    "RankPathways at concurrency $update_concurrency)"
  apply_lag_buckets "$kind" >"$work/lag-before"
  load --update-latency --update-kind "$kind" --write-rate "$write_rate" \
    --seconds "$update_seconds" --concurrency "$update_concurrency" || status=$?
  apply_lag_buckets "$kind" >"$work/lag-after"
  echo "matcher_feed_apply_lag_seconds{feed=\"$kind\"} during the updates (changes applied within):"
  paste "$work/lag-before" "$work/lag-after" | awk '{ printf "  <= %-6s s %d\n", $1, $4 - $2 }'
done

echo "== throughput ($scale economy)"
load --seconds "$seconds" --concurrency "$concurrency" || status=$?
exit $status
