#!/usr/bin/env bash
# The README's first command: installs what is needed, builds, and runs `webcycle up` on the demo
# stack (share/demo/stack.conf) in the foreground: the DNS server for mysite.test, the demo's two
# Python applications and the web server on port 80 (8080 when 80 cannot be bound). It prints what
# listens where, the logs, and the `webcycle browse` commands to try; Ctrl-C stops it all.
# Arguments go to `webcycle up` instead (another stack file, --port, --dns-port, --runtime-dir).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh build
bash scripts/build.sh build
if [ $# -eq 0 ]; then
  # This clone's demo, even where an older webcycle is installed in /usr/local.
  set -- "$(pwd)/share/demo/stack.conf"
fi
exec build/src/cli/webcycle up "$@"
