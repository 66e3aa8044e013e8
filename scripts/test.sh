#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. installs what it needs (scripts/install-deps.sh test), builds into build/, runs ctest
#      (unit tests, fuzz-seed replays, integration tests of the real binary with curl and sockets);
#   2. builds again with ASan+UBSan into build-asan/ and runs the same tests there;
#   3. fuzzes: every libFuzzer harness of fuzz/ for FUZZ_SECONDS (default 8) under ASan+UBSan,
#      two at a time (scripts/fuzz.sh, clang-16, build-fuzz/); a crash fails the run.
# WEBCYCLE_SKIP_ASAN=1 skips step 2 and WEBCYCLE_SKIP_FUZZ=1 step 3, for a quick local run.
# The soak (scripts/soak.sh) runs for 60 s in step 1 (test_soak.py); its 10 minutes are on demand.
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

if [ "${WEBCYCLE_SKIP_FUZZ:-0}" != 1 ]; then
  # 24 harnesses x 8 s, two at a time: ~1.7 min of fuzzing after the clang build (docs/RELIABILITY.md).
  echo "== fuzz (libFuzzer, ASan+UBSan, ${FUZZ_SECONDS:-8} s per harness) =="
  FUZZ_SECONDS=${FUZZ_SECONDS:-8} FUZZ_PARALLEL=2 bash scripts/fuzz.sh
fi
