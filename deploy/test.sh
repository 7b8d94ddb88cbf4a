#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds everything with warnings as errors, and
# runs every test (unit, integration on real Redis and gRPC, and a smoke run
# of the local demo).
#
# usage: deploy/test.sh [--sanitize]
#   --sanitize   build and test under AddressSanitizer and UBSan instead
# BUILD_DIR overrides the build directory (default build, or build-asan).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

sanitize=OFF
build=${BUILD_DIR:-build}
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=ON; build=${BUILD_DIR:-build-asan} ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

bash deploy/setup.sh

start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATHWAYS_WERROR=ON \
  -DPATHWAYS_SANITIZE="$sanitize" -DPATHWAYS_BUILD_TESTS=ON
cmake --build "$build" -j2
built=$(date +%s)
echo "build took $((built - start)) s"

cd "$build"
ctest --output-on-failure -j2 --timeout 600
echo "tests took $(($(date +%s) - built)) s"
