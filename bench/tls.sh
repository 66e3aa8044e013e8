#!/usr/bin/env bash
# bench/tls.sh: HTTPS, webcycle against Debian's nginx, side by side in one run (issue 10).
#
# Both servers: one worker, pinned to SERVER_CPU (the load generator to CLIENT_CPU), on 127.0.0.1
# free ports, the same ECDSA P-256 certificate (made here by the openssl CLI, signed by a CA made
# here), the same protocols (TLSv1.2 TLSv1.3) and ciphers (the default "HIGH:!aNULL:!MD5" for
# TLS 1.2; TLS 1.3 suites are OpenSSL's defaults in both), the same 1 KiB file, access logs on.
#
# Tests (medians of PASSES passes of DURATION seconds; servers take turns inside each pass):
#   a  1 KiB file over HTTPS, keep-alive:          wrk -t1 -c50 -d DURATION --latency
#   b  full TLS handshakes per second: the same with "Connection: close", so every request is a
#      new connection and a full handshake (wrk does not resume sessions): requests/s =
#      handshakes/s (TLS 1.3, X25519, ECDSA P-256 signatures).
# For each it prints req/s, p99 latency and server CPU per request, then webcycle/nginx ratios
# (target: at least nginx's figures).
#
# Environment: PASSES (3), DURATION (10), TESTS ("a b"), CONNS (50), SERVER_CPU (1),
# CLIENT_CPU (0), WEBCYCLE_BIN (default: BUILD_DIR's), BUILD_DIR (build-bench), KEEP (1: keep the
# temp dir). Only loopback is used; every load is bounded in time; servers are stopped by PID.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# free_port, descendants, cpu_ticks, median, write_wrk_report_lua, stop_started
. "$ROOT/bench/lib.sh"
PASSES=${PASSES:-3}
DURATION=${DURATION:-10}
TESTS=${TESTS:-a b}
CONNS=${CONNS:-50}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s\n' "$*" >&2; }
die() { log "tls.sh: $*"; exit 1; }

for tool in wrk openssl taskset curl; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done
[ -x /usr/sbin/nginx ] || die "Debian's nginx is missing (scripts/install-deps.sh bench)"
if [ -z "${WEBCYCLE_BIN:-}" ]; then
  WEBCYCLE_BIN=$BUILD_DIR/src/cli/webcycle
  if [ ! -x "$WEBCYCLE_BIN" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWEBCYCLE_TESTS=OFF >/dev/null &&
      cmake --build "$BUILD_DIR" --target webcycle -j2 >"$BUILD_DIR/bench-build-webcycle.log" 2>&1 ||
      die "building webcycle failed (see $BUILD_DIR/bench-build-webcycle.log)"
  fi
fi

RUN=$(mktemp -d /tmp/webcycle-bench-tls.XXXXXX)
chmod 755 "$RUN"  # nginx's worker runs as nobody and must read the files
declare -A STARTED=()
trap 'stop_started tls.sh' EXIT
trap 'exit 130' INT TERM

# The certificate both servers use.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout "$RUN/ca.key" -out "$RUN/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$RUN/cert.key" -out "$RUN/cert.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$RUN/ext"
openssl x509 -req -in "$RUN/cert.csr" -CA "$RUN/ca.pem" -CAkey "$RUN/ca.key" -CAcreateserial \
  -days 2 -extfile "$RUN/ext" -out "$RUN/cert.pem" 2>/dev/null
chmod 644 "$RUN/cert.key"
mkdir -p "$RUN/html"
head -c 1024 /dev/urandom >"$RUN/html/1k.bin"
write_wrk_report_lua "$RUN/report.lua"

SSL_COMMON="ssl_certificate $RUN/cert.pem; ssl_certificate_key $RUN/cert.key;
  ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers HIGH:!aNULL:!MD5;"

declare -A PORT=() PID=()
start_server() {  # start_server NAME
  local name=$1 dir=$RUN/$1 port cmd
  port=$(free_port)
  mkdir -p "$dir/conf" "$dir/logs" "$dir/tmp"
  if [ "$name" = webcycle ]; then
    cat >"$dir/conf/web.conf" <<EOF
worker_processes 1;
pid $dir/logs/web.pid;
events { worker_connections 1024; }
http { access_log $dir/logs/access.log; server { listen 127.0.0.1:$port ssl; $SSL_COMMON root $RUN/html; } }
EOF
    cmd="$WEBCYCLE_BIN web -p $dir/ -c $dir/conf/web.conf"
  else
    cat >"$dir/conf/nginx.conf" <<EOF
daemon off; worker_processes 1; pid $dir/logs/nginx.pid; error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
  access_log $dir/logs/access.log; sendfile on;
  client_body_temp_path $dir/tmp/b; proxy_temp_path $dir/tmp/p; fastcgi_temp_path $dir/tmp/f;
  uwsgi_temp_path $dir/tmp/u; scgi_temp_path $dir/tmp/s;
  server { listen 127.0.0.1:$port ssl; $SSL_COMMON root $RUN/html; }
}
EOF
    cmd="/usr/sbin/nginx -p $dir/ -c $dir/conf/nginx.conf"
  fi
  taskset -c "$SERVER_CPU" $cmd >"$dir/logs/stdout" 2>&1 &
  PID[$name]=$!
  STARTED[${PID[$name]}]=1
  PORT[$name]=$port
  for _ in $(seq 100); do
    curl -fsS --cacert "$RUN/ca.pem" "https://localhost:$port/1k.bin" -o /dev/null 2>/dev/null && return
    sleep 0.1
  done
  die "$name did not answer on https://localhost:$port/ (see $dir/logs)"
}

run_wrk() {  # run_wrk NAME TEST SECONDS -> "req/s p99_us cpu_us_per_req errors"
  local name=$1 extra=() out t0 t1
  [ "$2" = b ] && extra=(-H "Connection: close")
  t0=$(cpu_ticks "${PID[$name]}")
  out=$(timeout -k 5 $(($3 * 2 + 30)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"$3"s --latency \
    -s "$RUN/report.lua" "${extra[@]}" "https://localhost:${PORT[$name]}/1k.bin" 2>&1 | grep '^RESULT' || true)
  t1=$(cpu_ticks "${PID[$name]}")
  awk -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" '{
    req = $2; secs = $4; cpu = (t1 - t0) / hz * 1e6
    printf "%.0f %d %.2f %d\n", req / secs, $5, (req > 0 ? cpu / req : 0), $6 }' <<<"$out"
}

SERVERS="webcycle nginx"
for s in $SERVERS; do start_server "$s"; done
log "tls.sh: webcycle on ${PORT[webcycle]}, nginx on ${PORT[nginx]}; $PASSES passes of ${DURATION}s"

declare -A RPS=() P99=() CPU=()
for t in $TESTS; do
  for pass in $(seq "$PASSES"); do
    for s in $SERVERS; do
      read -r rps p99 cpu errors < <(run_wrk "$s" "$t" "$DURATION")
      log "  test $t pass $pass $s: $rps req/s, p99 ${p99} us, ${cpu} us CPU/request, $errors errors"
      RPS[$t,$s]="${RPS[$t,$s]:-} $rps"; P99[$t,$s]="${P99[$t,$s]:-} $p99"; CPU[$t,$s]="${CPU[$t,$s]:-} $cpu"
    done
  done
done

echo
echo "bench/tls.sh: PASSES=$PASSES DURATION=${DURATION}s CONNS=$CONNS, server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"
echo "certificate: ECDSA P-256; protocols TLSv1.2 TLSv1.3; ciphers HIGH:!aNULL:!MD5 (TLS 1.3: OpenSSL's defaults)"
for t in $TESTS; do
  case $t in
    a) echo "(a) 1 KiB file over HTTPS, keep-alive: wrk -t1 -c$CONNS" ;;
    b) echo "(b) full TLS handshakes/s: wrk -t1 -c$CONNS -H 'Connection: close' (one handshake per request)" ;;
  esac
  for s in $SERVERS; do
    printf '  %-9s %8s req/s  p99 %7s us  %6s us CPU/request\n' "$s" "$(median "${RPS[$t,$s]}")" \
      "$(median "${P99[$t,$s]}")" "$(median "${CPU[$t,$s]}")"
  done
  ratio=$(awk -v a="$(median "${RPS[$t,webcycle]}")" -v b="$(median "${RPS[$t,nginx]}")" \
    'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')
  verdict=$(awk -v r="$ratio" 'BEGIN { print (r + 0 >= 1.0 ? "PASS" : "FAIL") }')
  echo "  webcycle/nginx: ${ratio}x ($verdict: target >= 1.0x nginx)"
done
