#!/usr/bin/env bash
# ThreadSanitizer run, on demand (docs/RELIABILITY.md says why it is the only place threads meet):
# builds `webcycle` with -fsanitize=thread into build-tsan/ and runs the app-server tests whose
# application starts Python threads (test_app_threads.py: threads calling wsgi.errors and
# wsgi.input inside a request, a background thread computing while the worker's loop serves).
# A ThreadSanitizer report in a server's output fails the tests (they look for one).
#
# Environment: TSAN_BUILD_DIR (default build-tsan/), TSAN_TESTS (default test_app_threads).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh test
build=${TSAN_BUILD_DIR:-$root/build-tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEBCYCLE_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build "$build" --target webcycle -j"${TSAN_JOBS:-2}" >/dev/null

export WEBCYCLE_BIN=$build/src/cli/webcycle WEBCYCLE_SOURCE_DIR=$root PYTHONDONTWRITEBYTECODE=1
export WEBCYCLE_HOSTS="$root/tests/fixtures/hosts"
export WEBCYCLE_RESOLV_CONF="$root/tests/fixtures/resolv.conf"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1}
cd tests/integration
# setarch -R: TSan's fixed memory layout needs the address space without randomisation on
# kernels with a wide mmap randomisation.
exec setarch "$(uname -m)" -R /usr/bin/python3 -m unittest -v ${TSAN_TESTS:-test_app_threads}
