#!/usr/bin/env bash
# bench/static.sh: webcycle against its peers and the floor, side by side in one run (issue 2).
#
# Servers: floor (bench/floor.cpp, a fixed response from memory: the ceiling of one core),
# floor-uring (bench/floor_uring.cpp: the same over io_uring, built where liburing-dev is; like the
# floor, never a peer: it tells whether batching the system calls lowers the kernel's share),
# webcycle (access log ON), Debian's nginx as shipped (its nginx.conf, access log on) and tuned
# (open_file_cache, access_log off), h2o and lighttpd. One worker each, every server pinned to
# SERVER_CPU, every load generator to CLIENT_CPU, each on its own free port on 127.0.0.1 with its
# own temp dir and config, all serving copies of the same files.
#
# Tests (medians of PASSES passes of DURATION seconds; servers take turns inside each pass):
#   a  1 KiB file, keep-alive:  wrk -t1 -c50 -d DURATION --latency
#   b  1 KiB file, pipelined:   h2load --h1 -t1 -c50 -m16 -D DURATION -N 2
#   c  1 MiB file:              wrk -t1 -c50 -d DURATION (MB/s)
#   d  IDLE_CONNS (10,000) idle keep-alive connections: RSS after opening them minus before
# For each it prints req/s (MB/s), p99 latency, server CPU per request (utime+stime of all the
# server's processes over the run / requests) and peak RSS (VmHWM summed), then the issue's
# ratios with PASS/FAIL.
#
# Environment: PASSES (3), DURATION (10, seconds), TESTS ("a b c d"), SERVERS ("floor floor-uring
# webcycle nginx nginx-tuned h2o lighttpd"), IDLE_CONNS (10000), CONNS (50), PIPELINE (16),
# SERVER_CPU (1), CLIENT_CPU (0), WEBCYCLE_BIN (default: built into BUILD_DIR), BUILD_DIR
# (build-bench), WEBCYCLE_BUILD (1: build webcycle with cmake if needed; 0: don't),
# NICE (run servers and loads at this niceness, e.g. -10 on a shared machine),
# KEEP (1: keep the temp dir), RESULTS (every pass's figures as TSV; BUILD_DIR/static-results.tsv).
# Only loopback is used; every load is bounded in time; servers are stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# free_port, descendants, cpu_ticks, status_kb, median, write_wrk_report_lua
. "$ROOT/bench/lib.sh"
PASSES=${PASSES:-3}
DURATION=${DURATION:-10}
DURATION=${DURATION%s}
TESTS=${TESTS:-a b c d}
SERVERS=${SERVERS:-floor floor-uring webcycle nginx nginx-tuned h2o lighttpd}
IDLE_CONNS=${IDLE_CONNS:-10000}
CONNS=${CONNS:-50}
PIPELINE=${PIPELINE:-16}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
WEBCYCLE_BUILD=${WEBCYCLE_BUILD:-1}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
CLK_TCK=$(getconf CLK_TCK)
# NICE=-10 (root) gives the servers and load generators priority over other work on the machine.
NICE_CMD=
[ -z "${NICE:-}" ] || NICE_CMD="nice -n $NICE"

log() { printf '%s\n' "$*" >&2; }
die() { log "static.sh: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools, peers, builds.

"$ROOT/scripts/install-deps.sh" bench || log "static.sh: install-deps.sh failed; using what is installed"
for tool in wrk h2load taskset curl ps; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done
if [ "$(nproc)" -lt 2 ]; then
  log "static.sh: only $(nproc) core: server and load generator share core 0 (figures not comparable)"
  SERVER_CPU=0 CLIENT_CPU=0
fi

# 10,000 idle connections need as many descriptors in the server and in the client.
want_fds=$((IDLE_CONNS + 1024))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt "$want_fds" ]; then
  log "static.sh: ulimit -n is $(ulimit -n); test d opens $IDLE_CONNS connections"
fi
# lighttpd accepts at most max-fds / 2 connections, so it gets every descriptor there is.
max_fds=$(ulimit -n)

build() {  # build TARGET...: Release build into BUILD_DIR
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWEBCYCLE_TESTS=OFF >/dev/null &&
    cmake --build "$BUILD_DIR" --target "$@" -j2 >"$BUILD_DIR/bench-build-$1.log" 2>&1
}
FLOOR_BIN=$BUILD_DIR/bench/floor
build floor || die "building floor failed: see $BUILD_DIR/bench-build-floor.log"
FLOOR_URING_BIN=$BUILD_DIR/bench/floor_uring
if [[ " $SERVERS " == *" floor-uring "* ]]; then
  build floor_uring || log "static.sh: no floor-uring (liburing-dev missing? see $BUILD_DIR/bench-build-floor_uring.log)"
fi

if [ -z "${WEBCYCLE_BIN:-}" ]; then
  WEBCYCLE_BIN=$BUILD_DIR/src/cli/webcycle
  if [ "$WEBCYCLE_BUILD" = 1 ] && [[ " $SERVERS " == *" webcycle "* ]]; then
    build webcycle || log "static.sh: building webcycle failed (see $BUILD_DIR/bench-build-webcycle.log)"
  fi
  [ -x "$WEBCYCLE_BIN" ] || WEBCYCLE_BIN=$ROOT/build/src/cli/webcycle
fi

declare -A BIN=(
  [floor]=$FLOOR_BIN [floor-uring]=$FLOOR_URING_BIN [webcycle]=$WEBCYCLE_BIN [nginx]=/usr/sbin/nginx [nginx-tuned]=/usr/sbin/nginx
  [h2o]=/usr/bin/h2o [lighttpd]=/usr/sbin/lighttpd
)
active=()
for s in $SERVERS; do
  [ -n "${BIN[$s]:-}" ] || die "unknown server '$s'"
  if [ -x "${BIN[$s]}" ]; then active+=("$s"); else log "static.sh: skipping $s: ${BIN[$s]} not found"; fi
done

# ---------------------------------------------------------------------------------------------
# Files, temp dirs, cleanup.

RUN=$(mktemp -d /tmp/webcycle-bench.XXXXXX)
chmod 755 "$RUN"  # the peers' workers run as nobody / www-data and must read the files
RESULTS=${RESULTS:-$BUILD_DIR/static-results.tsv}
declare -A STARTED=()  # PIDs this script started and has not yet seen exit: stopped on exit

cleanup() {
  local pid
  for pid in "${!STARTED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${!STARTED[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ]; then log "static.sh: kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

head -c 1024 /dev/urandom >"$RUN/1k.bin"
head -c 1048576 /dev/urandom >"$RUN/1m.bin"
: >"$RESULTS"

# ---------------------------------------------------------------------------------------------
# Per-server configs. conf_SERVER DIR PORT TEST writes the config and prints the command line.

# nginx syntax: Debian's 768 connections, or for test d every descriptor there is: nginx closes idle
# keep-alive connections once fewer than 1/16 of worker_connections are free.
events_block() {
  if [ "$1" = d ]; then echo "events { worker_connections $max_fds; }"; else echo "events { worker_connections 768; }"; fi
}

conf_floor() {
  local body=1024
  [ "$3" = c ] && body=1048576
  echo "$FLOOR_BIN $2 $body"
}

conf_floor-uring() {
  local body=1024
  [ "$3" = c ] && body=1048576
  echo "$FLOOR_URING_BIN $2 $body"
}

conf_webcycle() {
  local dir=$1 port=$2 events="events {}"
  [ "$3" = d ] && events=$(events_block d)
  # The minimal site config: access log ON (the default, combined format, DIR/logs/access.log).
  cat >"$dir/conf/webcycle.conf" <<EOF
worker_processes 1;
$events
http { server { listen 127.0.0.1:$port; root $dir/html; } }
EOF
  echo "$WEBCYCLE_BIN web -p $dir/ -c $dir/conf/webcycle.conf"
}

# nginx_conf DIR PORT EVENTS HTTP_EXTRA: Debian's /etc/nginx/nginx.conf as shipped (sendfile,
# tcp_nopush, mime.types), one worker, paths in DIR, plus HTTP_EXTRA lines in the http block.
nginx_conf() {
  local dir=$1 port=$2 events=$3 extra=$4
  cat >"$dir/conf/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log;
worker_rlimit_nofile $max_fds;
$(events_block "$events")
http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
$extra
	server { listen 127.0.0.1:$port; root $dir/html; }
}
EOF
  echo "/usr/sbin/nginx -p $dir/ -c $dir/conf/nginx.conf"
}

conf_nginx() {  # as shipped: access log on, gzip on
  nginx_conf "$1" "$2" "$3" "$(printf '\taccess_log %s/logs/access.log;\n\tgzip on;' "$1")"
}

conf_nginx-tuned() {  # the same plus the usual static-file tuning
  nginx_conf "$1" "$2" "$3" "$(printf '\ttcp_nodelay on;\n\taccess_log off;\n\topen_file_cache max=1000 inactive=60s;\n\topen_file_cache_valid 60s;\n\topen_file_cache_errors on;')"
}

conf_h2o() {  # defaults (no access log) except the limits test d needs
  local dir=$1 port=$2
  cat >"$dir/conf/h2o.conf" <<EOF
listen:
  host: 127.0.0.1
  port: $port
num-threads: 1
max-connections: $((IDLE_CONNS + 512))
http1-request-timeout: 120
error-log: $dir/logs/error.log
hosts:
  default:
    paths:
      /:
        file.dir: $dir/html
EOF
  echo "/usr/bin/h2o -c $dir/conf/h2o.conf"
}

conf_lighttpd() {  # defaults (no access log) except the limits test d needs
  local dir=$1 port=$2
  cat >"$dir/conf/lighttpd.conf" <<EOF
server.document-root = "$dir/html"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$dir/logs/error.log"
server.max-fds = $max_fds
server.max-connections = $((max_fds / 2))
server.max-keep-alive-idle = 120
mimetype.assign = ( ".bin" => "application/octet-stream", ".html" => "text/html" )
EOF
  echo "/usr/sbin/lighttpd -D -f $dir/conf/lighttpd.conf"
}

# ---------------------------------------------------------------------------------------------
# Processes and /proc.

declare -A PID PORT DIR
start_server() {  # start_server NAME TEST: fresh dir, config, port; waits until it answers
  local s=$1 t=$2 dir port cmd
  dir=$RUN/$s-$t
  mkdir -p "$dir/conf" "$dir/logs" "$dir/html"
  cp "$RUN/1k.bin" "$RUN/1m.bin" "$dir/html/"
  chmod -R a+rX "$dir"
  chmod 1777 "$dir/logs"  # servers that drop privileges still write their logs
  port=$(free_port)
  cmd=$("conf_$s" "$dir" "$port" "$t")
  # taskset execs the server, so $! is the server's own PID (the master, where there is one).
  $NICE_CMD taskset -c "$SERVER_CPU" $cmd >"$dir/logs/stdout" 2>"$dir/logs/stderr" </dev/null &
  PID[$s]=$!
  STARTED[${PID[$s]}]=1
  PORT[$s]=$port
  DIR[$s]=$dir
  local path=/1k.bin size=1024
  [ "$t" = c ] && path=/1m.bin size=1048576
  for _ in $(seq 100); do
    if ! kill -0 "${PID[$s]}" 2>/dev/null; then break; fi
    if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code} %{size_download}' "http://127.0.0.1:$port$path")" = "200 $size" ]; then
      return 0
    fi
    sleep 0.1
  done
  log "static.sh: $s did not serve $path on 127.0.0.1:$port; skipping it for test $t. Its stderr:"
  tail -n 5 "$dir/logs/stderr" "$dir/logs/error.log" 2>/dev/null | sed 's/^/    /' >&2 || true
  stop_server "$s"
  return 1
}

stop_server() {
  local pid=${PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "STARTED[$pid]"
  PID[$1]=
}

# ---------------------------------------------------------------------------------------------
# Loads. Each prints "REQUESTS BYTES SECONDS P99_US ERRORS".

write_wrk_report_lua "$RUN/report.lua"

run_wrk() {  # run_wrk PORT PATH SECONDS
  timeout -k 5 $(($3 * 2 + 30)) $NICE_CMD taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"$3"s --latency -s "$RUN/report.lua" \
    "http://127.0.0.1:$1$2" 2>&1 | tee "$RUN/load.out" | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }' || true
}

run_h2load() {  # run_h2load PORT PATH SECONDS: p99 from h2load's per-request log
  local out logf=$RUN/h2load.log
  # With -D, h2load 1.52 sometimes never ends when the server closes connections with pipelined
  # requests in flight (nginx and webcycle do at keepalive_requests 1000): it keeps reconnecting
  # and re-sending after "Stopping all clients". -N 2 cures most cases with nginx; the timeout
  # ends the rest, and the pass is retried (the report counts retries).
  out=$(timeout -k 5 $(($3 + 20)) $NICE_CMD taskset -c "$CLIENT_CPU" h2load --h1 -t1 -c"$CONNS" -m"$PIPELINE" -D "$3" -N 2 \
    --log-file="$logf" "http://127.0.0.1:$1$2" 2>&1) || out+=$'\n'"(h2load exit status $?)"
  printf '%s\n' "$out" >"$RUN/load.out"
  local p99
  # mawk has no sorted traversal: a histogram by microsecond, walked upwards.
  p99=$(awk '{ v = int($3); n[v]++; total++; if (v > max) max = v } END {
      want = total * 0.99; seen = 0
      for (v = 0; v <= max; v++) if (v in n) { seen += n[v]; if (seen >= want) { print v; exit } }
      print 0 }' "$logf" 2>/dev/null || echo 0)
  rm -f "$logf"
  echo "$out" | awk -v p99="$p99" '
    /^finished in/ { secs = $3; sub(/s,$/, "", secs); if (secs ~ /ms$/) { sub(/ms/, "", secs); secs /= 1000 } }
    /^requests:/ { ok = $8; failed = $10; errored = $12; timeout = $14 }
    /^traffic:/ { bytes = $3; gsub(/[()]/, "", bytes) }
    /^status codes:/ { non2xx = $5 + $7 + $9 }
    END { printf "%.0f %.0f %s %.0f %.0f\n", ok, bytes, secs, p99, failed + errored + timeout + non2xx }'
}

# ---------------------------------------------------------------------------------------------
# Results: R[test,server,metric] holds one value per pass.

declare -A R LOGLINES
add() { R[$1,$2,$3]="${R[$1,$2,$3]:-} $4"; printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }
med() { median "${R[$1,$2,$3]:-}"; }
passes_note() {  # " (N/PASSES passes)" when some passes of TEST SERVER METRIC gave no figure
  local n
  n=$(wc -w <<<"${R[$1,$2,$3]:-}")
  [ "$n" -ge "$PASSES" ] || echo -n " ($n/$PASSES passes)"
  n=$(wc -w <<<"${R[$1,$2,retries]:-}")
  [ "$n" -eq 0 ] || echo -n " ($n stalled loads retried)"
}

measure_load() {  # measure_load TEST SERVER SECONDS [record]
  local t=$1 s=$2 secs=$3 path=/1k.bin before after line
  [ "$t" = c ] && path=/1m.bin
  local try
  for try in 1 2 3; do
    before=$(cpu_ticks "${PID[$s]}")
    if [ "$t" = b ]; then line=$(run_h2load "${PORT[$s]}" "$path" "$secs"); else line=$(run_wrk "${PORT[$s]}" "$path" "$secs"); fi
    after=$(cpu_ticks "${PID[$s]}")
    [ "${4:-}" = record ] || return 0
    read -r reqs bytes elapsed p99 errors <<<"${line:-0 0 1 0 0}"
    [ "${reqs:-0}" -le 0 ] || break
    log "static.sh: $s: no requests completed in test $t, try $try (server $(kill -0 "${PID[$s]}" 2>/dev/null && echo alive || echo gone)); the load's output:"
    tail -n 4 "$RUN/load.out" | sed 's/^/    /' >&2
    tail -n 5 "${DIR[$s]}/logs/error.log" "${DIR[$s]}/logs/stderr" 2>/dev/null | sed 's/^/    /' >&2 || true
    kill -0 "${PID[$s]}" 2>/dev/null || return 0
    add "$t" "$s" retries 1
  done
  if [ "${reqs:-0}" -le 0 ]; then
    return 0
  fi
  add "$t" "$s" rps "$(awk -v r="$reqs" -v e="$elapsed" 'BEGIN { printf "%.0f", r / e }')"
  add "$t" "$s" mbps "$(awk -v b="$bytes" -v e="$elapsed" 'BEGIN { printf "%.1f", b / e / 1e6 }')"
  add "$t" "$s" p99us "$p99"
  add "$t" "$s" cpuus "$(awk -v c=$((after - before)) -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.3f", c / hz * 1e6 / r }')"
  add "$t" "$s" errors "$errors"
  [ "${errors:-0}" -eq 0 ] || log "static.sh: $s: $errors errors in test $t"
}

run_load_test() {  # a, b, c: all servers up, passes interleaved so drift hits them all alike
  local t=$1 s p up=()
  for s in "${active[@]}"; do start_server "$s" "$t" && up+=("$s"); done
  for s in "${up[@]}"; do measure_load "$t" "$s" 1; done  # warm-up: caches, first connections
  for p in $(seq "$PASSES"); do
    log "  test $t pass $p/$PASSES: ${up[*]}"
    for s in "${up[@]}"; do measure_load "$t" "$s" "$DURATION" record; done
  done
  for s in "${up[@]}"; do
    add "$t" "$s" hwmkb "$(status_kb "${PID[$s]}" VmHWM)"
    stop_server "$s"
    # Proof that the access log was on: the lines it holds (warm-up and readiness checks included).
    if [ -f "${DIR[$s]}/logs/access.log" ]; then
      LOGLINES[$t]+=" $s=$(wc -l <"${DIR[$s]}/logs/access.log")"
    fi
    rm -f "${DIR[$s]}/logs/access.log"
  done
}

run_idle_test() {  # d: one server at a time, IDLE_CONNS connections held open
  local s p before after line client out
  for p in $(seq "$PASSES"); do
    log "  test d pass $p/$PASSES"
    for s in "${active[@]}"; do
      start_server "$s" d || continue
      before=$(status_kb "${PID[$s]}" VmRSS)
      out=$RUN/idle.out
      : >"$out"
      $NICE_CMD taskset -c "$CLIENT_CPU" "$PYTHON" "$ROOT/bench/idle_conns.py" "${PORT[$s]}" "$IDLE_CONNS" /1k.bin 60 120 >"$out" &
      client=$!
      STARTED[$client]=1
      for _ in $(seq 700); do grep -q '^ready' "$out" && break; kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
      sleep 0.5  # let the server finish writing and go idle
      after=$(status_kb "${PID[$s]}" VmRSS)
      add d "$s" hwmkb "$(status_kb "${PID[$s]}" VmHWM)"
      kill -USR1 "$client" 2>/dev/null || true
      wait "$client" 2>/dev/null || true
      unset "STARTED[$client]"
      read -r _ opened answered <<<"$(grep '^ready' "$out" || echo 'ready 0 0')"
      line=$(grep '^still' "$out" || echo 'still 0')
      add d "$s" answered "$answered"
      add d "$s" stillopen "${line#still }"
      add d "$s" bpc "$(awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')"
      [ "$answered" -eq "$IDLE_CONNS" ] || log "static.sh: $s answered $answered of $IDLE_CONNS connections"
      stop_server "$s"
    done
  done
}

# ---------------------------------------------------------------------------------------------
# Run.

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "static.sh: $(nproc) cores, server on CPU $SERVER_CPU, load on CPU $CLIENT_CPU; servers: ${active[*]}"
log "static.sh: PASSES=$PASSES DURATION=${DURATION}s TESTS='$TESTS' IDLE_CONNS=$IDLE_CONNS; temp dir $RUN"
for t in $TESTS; do
  case "$t" in
    a | b | c) run_load_test "$t" ;;
    d) run_idle_test ;;
    *) die "unknown test '$t' (a b c d)" ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# Report.

echo
echo "webcycle static benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
echo "medians of $PASSES passes of ${DURATION}s; server on CPU $SERVER_CPU, load generator on CPU $CLIENT_CPU"
echo "versions: $(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //'), $(/usr/bin/h2o --version 2>/dev/null | head -1 | sed 's/ version /\//'), $(/usr/sbin/lighttpd -v 2>/dev/null | sed 's/ .*//'), wrk $(wrk -v 2>&1 | head -1 | awk '{ print $2 }'), $(h2load --version 2>&1 | awk '{ print $2 }'), kernel $(uname -r)"
if [[ " ${active[*]} " == *" webcycle "* ]]; then
  echo "webcycle: $WEBCYCLE_BIN (tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' + local changes'))"
fi
echo "load average at start: $LOADAVG_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
for t in $TESTS; do
  echo
  case "$t" in
    a) echo "(a) 1 KiB file, keep-alive: wrk -t1 -c$CONNS -d${DURATION}s --latency" ;;
    b) echo "(b) 1 KiB file, pipelined: h2load --h1 -t1 -c$CONNS -m$PIPELINE -D $DURATION -N 2" ;;
    c) echo "(c) 1 MiB file: wrk -t1 -c$CONNS -d${DURATION}s" ;;
    d) echo "(d) $IDLE_CONNS idle keep-alive connections (one request each, then held open)" ;;
  esac
  if [ "$t" = d ]; then
    printf '%-12s %12s %10s %10s %12s\n' server bytes/conn answered still-open "peak RSS MB"
  else
    printf '%-12s %12s %10s %10s %12s %12s %8s\n' server req/s MB/s "p99 ms" "CPU us/req" "peak RSS MB" errors
  fi
  for s in "${active[@]}"; do
    if [ "$t" = d ]; then
      [ -n "${R[d,$s,bpc]:-}" ] || { printf '%-12s %12s\n' "$s" "(not run)"; continue; }
      printf '%-12s %12s %10s %10s %12s\n' "$s" "$(med d "$s" bpc)" "$(med d "$s" answered)" \
        "$(med d "$s" stillopen)" "$(awk -v v="$(med d "$s" hwmkb)" 'BEGIN { printf "%.1f", v / 1024 }')"
    else
      [ -n "${R[$t,$s,rps]:-}" ] || { printf '%-12s %12s\n' "$s" "(not run)"; continue; }
      printf '%-12s %12s %10s %10s %12s %12s %8s%s\n' "$s" "$(med "$t" "$s" rps)" "$(med "$t" "$s" mbps)" \
        "$(awk -v v="$(med "$t" "$s" p99us)" 'BEGIN { printf "%.2f", v / 1000 }')" "$(med "$t" "$s" cpuus)" \
        "$(awk -v v="$(med "$t" "$s" hwmkb)" 'BEGIN { printf "%.1f", v / 1024 }')" "$(med "$t" "$s" errors)" \
        "$(passes_note "$t" "$s" rps)"
    fi
  done
  [ -z "${LOGLINES[$t]:-}" ] || echo "access log lines written:${LOGLINES[$t]}"
done

# The issue's targets. Peers are nginx, nginx-tuned, h2o and lighttpd (not the floor).
peers=(nginx nginx-tuned h2o lighttpd)
best() {  # best TEST METRIC max|min: "VALUE SERVER" over the peers that ran
  local s v out=""
  for s in "${peers[@]}"; do
    v=$(med "$1" "$s" "$2")
    [ -n "$v" ] && out+="$v $s"$'\n'
  done
  [ -n "$out" ] || return 0
  if [ "$3" = max ]; then sort -g -r <<<"$out" | head -1; else grep . <<<"$out" | sort -g | head -1; fi
}
verdict() {  # verdict LABEL WEBCYCLE REFERENCE REFNAME OP LIMIT UNIT
  local label=$1 w=$2 ref=$3 refname=$4 op=$5 limit=$6
  if [ -z "$w" ] || [ -z "$ref" ]; then
    printf '%-58s %s\n' "$label" "n/a (webcycle or $refname not measured)"
    return
  fi
  awk -v w="$w" -v r="$ref" -v op="$op" -v lim="$limit" -v l="$label" -v rn="$refname" 'BEGIN {
    ratio = (r > 0) ? w / r : 0
    pass = (op == ">=") ? (ratio >= lim) : (ratio <= lim)
    printf "%-58s %.3fx (%s vs %s %s; target %s %.2fx) %s\n", l, ratio, w, rn, r, op, lim, pass ? "PASS" : "FAIL" }'
}
echo
echo "Targets (issue 2):"
if [[ " $TESTS " == *" a "* ]]; then
  verdict "(a) 1 KiB keep-alive req/s, webcycle / floor" "$(med a webcycle rps)" "$(med a floor rps)" floor ">=" 0.95
fi
if [[ " $TESTS " == *" b "* ]]; then
  read -r v n <<<"$(best b rps max)"
  verdict "(b) 1 KiB pipelined req/s, webcycle / best peer" "$(med b webcycle rps)" "${v:-}" "${n:-peer}" ">=" 2
fi
if [[ " $TESTS " == *" a "* ]]; then
  read -r v n <<<"$(best a cpuus min)"
  verdict "(c) CPU us/request on (a), webcycle / best peer" "$(med a webcycle cpuus)" "${v:-}" "${n:-peer}" "<=" 0.7
fi
if [[ " $TESTS " == *" c "* ]]; then
  verdict "(d) 1 MiB MB/s, webcycle / lighttpd" "$(med c webcycle mbps)" "$(med c lighttpd mbps)" lighttpd ">=" 1
fi
if [[ " $TESTS " == *" d "* ]]; then
  # Against the leaner of the two nginx configurations (they differ only in caches and logging).
  v=$(printf '%s\n%s\n' "$(med d nginx bpc)" "$(med d nginx-tuned bpc)" | grep . | sort -g | head -1 || true)
  verdict "(e) bytes per idle connection, webcycle / nginx" "$(med d webcycle bpc)" "$v" nginx "<=" 1
fi
echo
echo "Raw figures (one line per pass): $RESULTS"
