#!/usr/bin/env bash
# Measures the data services under load on this machine: redis-server and
# the services share core 1, the load generator runs on core 0, and every
# call is reported as a ratio to the training service's health check measured
# in the same run.
#
# usage: tests/load/run_benchmark.sh [BUILD_DIR] [SECONDS] [CONCURRENCY]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
concurrency=${3:-16}
work=$(mktemp -d /tmp/pathways-bench-XXXXXX)
redis_port=${REDIS_PORT:-6399}
grpc_port=${GRPC_PORT:-50199}
demand_port=$((grpc_port + 1))
profiles_port=$((grpc_port + 2))
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

start_service() { # name port
  GRPC_PORT=$2 METRICS_PORT=0 REDIS_ADDR=127.0.0.1:$redis_port LOG_LEVEL=warning \
    taskset -c 1 "$build/services/$1/$1_server" >"$work/$1.log" 2>&1 &
  pids+=($!)
}
start_service training "$grpc_port"
start_service demand "$demand_port"
start_service profiles "$profiles_port"

"$build/tests/load/pathways-load" --training "127.0.0.1:$grpc_port" \
  --demand "127.0.0.1:$demand_port" --profiles "127.0.0.1:$profiles_port" --cpu 0 \
  --seconds "$seconds" --concurrency "$concurrency"
