#!/usr/bin/env bash
# bench/h2.sh: HTTP/2 over cleartext (h2c, prior knowledge), 1 KiB file, webcycle against Debian's
# nginx 1.22 (`listen ... http2`) and h2o, side by side in one run.
#
# Load: h2load -t1 -c CONNS -m STREAMS -D DURATION (h2c prior knowledge: h2load's default for
# http:// URLs). One worker each, every server pinned to SERVER_CPU, h2load to CLIENT_CPU. Per
# server: median req/s over PASSES passes (servers take turns inside each pass), server CPU per
# request (utime+stime of the server's processes over the pass / requests), failed requests.
# webcycle keeps its access log on (the default); nginx as Debian ships it (access log on) but
# with keepalive_requests lifted (see conf_nginx); h2o with its defaults (no access log).
#
# Environment: PASSES (3), DURATION (10), CONNS (10), STREAMS (16), SERVERS ("webcycle nginx
# h2o"), SERVER_CPU (1), CLIENT_CPU (0), WEBCYCLE_BIN (default: built into BUILD_DIR), BUILD_DIR
# (build-bench), KEEP (1: keep the temp dir). Loopback only; servers are stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"  # free_port, descendants, cpu_ticks, median, stop_started
PASSES=${PASSES:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-10}
STREAMS=${STREAMS:-16}
SERVERS=${SERVERS:-webcycle nginx h2o}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s\n' "$*" >&2; }
die() { log "h2.sh: $*"; exit 1; }

for tool in h2load taskset curl; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done
if [ -z "${WEBCYCLE_BIN:-}" ]; then
  WEBCYCLE_BIN=$BUILD_DIR/src/cli/webcycle
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWEBCYCLE_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target webcycle -j2 >"$BUILD_DIR/bench-build-webcycle.log" 2>&1 ||
    die "building webcycle failed (see $BUILD_DIR/bench-build-webcycle.log)"
fi

RUN=$(mktemp -d /tmp/webcycle-h2bench.XXXXXX)
chmod 755 "$RUN"
declare -A STARTED=() PID=() PORT=()
trap 'stop_started h2.sh' EXIT
trap 'exit 130' INT TERM
head -c 1024 /dev/urandom >"$RUN/1k.bin"

conf_webcycle() {
  cat >"$1/conf/webcycle.conf" <<EOF
worker_processes 1;
events {}
http { server { listen 127.0.0.1:$2 http2; root $1/html; } }
EOF
  echo "$WEBCYCLE_BIN web -p $1/ -c $1/conf/webcycle.conf"
}
conf_nginx() {  # Debian's nginx.conf as shipped (sendfile, tcp_nopush, access log on)
  cat >"$1/conf/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $1/logs/nginx.pid;
error_log $1/logs/error.log;
events { worker_connections 768; }
http {
	sendfile on;
	tcp_nopush on;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log $1/logs/access.log;
	# nginx 1.22 ends an HTTP/2 connection with GOAWAY after keepalive_requests (1000) requests,
	# and h2load -D does not reconnect: the limit is lifted so that nginx is measured, not it.
	keepalive_requests 100000000;
	server { listen 127.0.0.1:$2 http2; root $1/html; }
}
EOF
  echo "/usr/sbin/nginx -p $1/ -c $1/conf/nginx.conf"
}
conf_h2o() {  # h2o speaks h2c prior knowledge on a cleartext listen by default
  cat >"$1/conf/h2o.conf" <<EOF
listen:
  host: 127.0.0.1
  port: $2
num-threads: 1
error-log: $1/logs/error.log
hosts:
  default:
    paths:
      /:
        file.dir: $1/html
EOF
  echo "/usr/bin/h2o -c $1/conf/h2o.conf"
}

start() {
  local s=$1 dir=$RUN/$1 port cmd
  mkdir -p "$dir/conf" "$dir/logs" "$dir/html"
  cp "$RUN/1k.bin" "$dir/html/"
  chmod -R a+rX "$dir"
  chmod 1777 "$dir/logs"
  port=$(free_port)
  cmd=$("conf_$s" "$dir" "$port")
  taskset -c "$SERVER_CPU" $cmd >"$dir/logs/stdout" 2>"$dir/logs/stderr" </dev/null &
  PID[$s]=$!
  STARTED[${PID[$s]}]=1
  PORT[$s]=$port
  for _ in $(seq 100); do
    if [ "$(curl -s --http2-prior-knowledge -o /dev/null -m 2 -w '%{http_code} %{http_version}' "http://127.0.0.1:$port/1k.bin")" = "200 2" ]; then
      return 0
    fi
    sleep 0.1
  done
  log "h2.sh: $s does not answer h2c on 127.0.0.1:$port; skipped"
  return 1
}

up=()
for s in $SERVERS; do start "$s" && up+=("$s"); done
[ ${#up[@]} -gt 0 ] || die "no server started"

declare -A RPS CPU FAILED
echo "h2.sh: h2load -t1 -c$CONNS -m$STREAMS -D$DURATION over h2c, 1 KiB file; $PASSES passes; servers on CPU $SERVER_CPU, h2load on CPU $CLIENT_CPU"
echo "versions: $(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //'), $(/usr/bin/h2o --version 2>/dev/null | head -1), h2load $(h2load --version 2>&1 | awk '{ print $2 }'), kernel $(uname -r)"
for pass in $(seq "$PASSES"); do
  for s in "${up[@]}"; do
    before=$(cpu_ticks "${PID[$s]}")
    out=$(timeout -k 5 $((DURATION * 2 + 30)) taskset -c "$CLIENT_CPU" h2load -t1 -c"$CONNS" -m"$STREAMS" -D"$DURATION" "http://127.0.0.1:${PORT[$s]}/1k.bin" 2>&1 || true)
    after=$(cpu_ticks "${PID[$s]}")
    read -r done failed < <(awk '/^requests:/ { print $8, $10 }' <<<"$out")
    rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' <<<"$out")
    us=$(awk -v t=$((after - before)) -v n="${done:-0}" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.2f", t / hz * 1e6 / n }')
    RPS[$s]="${RPS[$s]:-} $rps"
    CPU[$s]="${CPU[$s]:-} $us"
    FAILED[$s]=$((${FAILED[$s]:-0} + ${failed:-0}))
    printf 'pass %d %-9s %10s req/s  %6s us CPU/request  %s failed\n' "$pass" "$s" "${rps:-?}" "${us:-?}" "${failed:-?}"
  done
done
echo
printf '%-9s %12s %18s %8s\n' server "req/s (med)" "us CPU/req (med)" failed
for s in "${up[@]}"; do
  printf '%-9s %12s %18s %8s\n' "$s" "$(median "${RPS[$s]}")" "$(median "${CPU[$s]}")" "${FAILED[$s]}"
done
