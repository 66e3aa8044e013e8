#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. installs what it needs (scripts/install-deps.sh test), builds into build/, runs ctest
#      (unit tests, fuzz-seed replays, integration tests of the real binary with curl and sockets);
#   2. builds again with ASan+UBSan into build-asan/ and runs the same tests there.
# WEBCYCLE_SKIP_ASAN=1 skips step 2 for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh test

# Tests never ask a resolver outside this machine: point the client's defaults at loopback fixtures.
export WEBCYCLE_HOSTS="$root/tests/fixtures/hosts"
export WEBCYCLE_RESOLV_CONF="$root/tests/fixtures/resolv.conf"
export WEBCYCLE_SEARCH="http://127.0.0.1:9/search?q=%s"

jobs=$(nproc)
echo "== build (RelWithDebInfo) =="
bash scripts/build.sh build
echo "== tests (RelWithDebInfo) =="
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${WEBCYCLE_SKIP_ASAN:-0}" != 1 ]; then
  echo "== build (ASan+UBSan) =="
  bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DWEBCYCLE_SANITIZE=ON
  echo "== tests (ASan+UBSan) =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi
