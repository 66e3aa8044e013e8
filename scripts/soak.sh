#!/usr/bin/env bash
# The soak, one command: `webcycle up` on a copy of the demo stack (free high ports), wrk with mixed
# static, dynamic (the demo's Python app) and 404 traffic for DURATION seconds (default 600), the
# RSS and open descriptors of every webcycle process sampled. Passes with zero socket errors, no
# unexpected status, RSS growth under 10% + 8 MB after the warm-up, and no descriptor growth
# (tests/integration/soak.py says exactly how). A 60-second version runs in CI (test_soak.py).
#
# Environment: DURATION     seconds of load (default 600)
#              CONNECTIONS  wrk's connections (default 16)
#              WEBCYCLE_BIN the binary (default: build/src/cli/webcycle, built if missing)
# The machine should be otherwise quiet for figures worth quoting (wrk and the stack share it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh test
bin=${WEBCYCLE_BIN:-$root/build/src/cli/webcycle}
if [ ! -x "$bin" ]; then
  bash scripts/build.sh build
fi
export WEBCYCLE_BIN=$bin WEBCYCLE_SOURCE_DIR=$root
# The stack's clients never ask a resolver outside this machine.
export WEBCYCLE_HOSTS="$root/tests/fixtures/hosts"
export WEBCYCLE_RESOLV_CONF="$root/tests/fixtures/resolv.conf"
exec /usr/bin/python3 "$root/tests/integration/soak.py"
