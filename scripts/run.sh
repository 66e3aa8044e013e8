#!/usr/bin/env bash
# Installs what is needed, builds, and runs the web server on the sample static site in
# examples/sample (port 80 when it can be bound, else 8080). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh build
bash scripts/build.sh build

prefix="$root/examples/sample"
port=80
if ! /usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 80))' 2>/dev/null; then
  port=8080
fi
mkdir -p "$prefix/logs"
sed "s/@PORT@/$port/" "$prefix/conf/webcycle.conf.in" > "$prefix/conf/webcycle.conf"
cp share/mime.types "$prefix/conf/mime.types"

cat <<MSG
webcycle web: serving $prefix/html on port $port (Ctrl-C stops it)
  try:   curl -i http://127.0.0.1:$port/
         curl -I http://127.0.0.1:$port/about
         curl -i http://127.0.0.1:$port/missing
  logs:  $prefix/logs/access.log  $prefix/logs/error.log
  check: build/src/cli/webcycle web -p $prefix -t
MSG
exec build/src/cli/webcycle web -p "$prefix"
