#!/usr/bin/env bash
# bench/app.sh: `webcycle app` against gunicorn and uWSGI, side by side in one run (issue 3).
#
# Applications (both answer GET / with the 13-byte body "Hello, World!"):
#   hello  bench/apps/hello.py:application, a bare WSGI callable
#   flask  tests/integration/apps/flask_app.py:app, Flask's route for /
# Servers, one worker each, no access log (gunicorn's default), each on its own free port on
# 127.0.0.1, pinned to SERVER_CPU with taskset while wrk runs on CLIENT_CPU:
#   webcycle          webcycle app -w 1 -b ... MODULE:CALLABLE
#   gunicorn-sync     gunicorn -w 1 -b ... MODULE:CALLABLE            (Debian's 20.1)
#   gunicorn-gthread  gunicorn -w 1 -k gthread --threads 4 -b ... MODULE:CALLABLE
#   uwsgi             uwsgi --http-socket ... --plugin python3 --wsgi-file FILE --callable NAME
#                     --master --processes 1 --disable-logging
# Load: wrk -t1 -cCONNS -dDURATION --latency on GET /, PASSES passes (servers take turns inside
# each pass), medians. Prints req/s, p99 latency, server CPU per request, peak RSS (VmHWM summed
# over the server's processes) and errors (wrk's connect/read/write/timeout errors and non-2xx
# answers; "read errors" apart, see report.lua below), then the issue's ratios with PASS/FAIL:
#   hello: webcycle >= 4x gunicorn-sync and >= 2x uwsgi;  flask: webcycle >= 1.5x gunicorn-sync.
#
# Environment: PASSES (3), DURATION (10, seconds), APPS ("hello flask"), SERVERS ("webcycle
# gunicorn-sync gunicorn-gthread uwsgi"), CONNS (50), SERVER_CPU (0), CLIENT_CPU (1),
# WEBCYCLE_BIN (default: built into BUILD_DIR), BUILD_DIR (build-bench), WEBCYCLE_BUILD (1: build
# webcycle with cmake if needed; 0: don't), NICE (e.g. -10), KEEP (1: keep the temp dir),
# RESULTS (every pass's figures as TSV; BUILD_DIR/app-results.tsv).
# Only loopback is used; every load is bounded in time; servers are stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"
PASSES=${PASSES:-3}
DURATION=${DURATION:-10}
DURATION=${DURATION%s}
APPS=${APPS:-hello flask}
SERVERS=${SERVERS:-webcycle gunicorn-sync gunicorn-gthread uwsgi}
CONNS=${CONNS:-50}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
WEBCYCLE_BUILD=${WEBCYCLE_BUILD:-1}
CLK_TCK=$(getconf CLK_TCK)
NICE_CMD=
[ -z "${NICE:-}" ] || NICE_CMD="nice -n $NICE"
GUNICORN=/usr/bin/gunicorn
UWSGI=/usr/bin/uwsgi

log() { printf '%s\n' "$*" >&2; }
die() { log "app.sh: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools, peers, builds.

"$ROOT/scripts/install-deps.sh" bench || log "app.sh: install-deps.sh failed; using what is installed"
for tool in wrk taskset curl ps ss; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done
if [ "$(nproc)" -lt 2 ]; then
  log "app.sh: only $(nproc) core: server and load generator share core 0 (figures not comparable)"
  SERVER_CPU=0 CLIENT_CPU=0
fi

if [ -z "${WEBCYCLE_BIN:-}" ]; then
  WEBCYCLE_BIN=$BUILD_DIR/src/cli/webcycle
  if [ "$WEBCYCLE_BUILD" = 1 ] && [[ " $SERVERS " == *" webcycle "* ]]; then
    mkdir -p "$BUILD_DIR"
    { cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWEBCYCLE_TESTS=OFF >/dev/null &&
        cmake --build "$BUILD_DIR" --target webcycle -j2 >"$BUILD_DIR/bench-build-webcycle.log" 2>&1; } ||
      log "app.sh: building webcycle failed (see $BUILD_DIR/bench-build-webcycle.log)"
  fi
  [ -x "$WEBCYCLE_BIN" ] || WEBCYCLE_BIN=$ROOT/build/src/cli/webcycle
fi

# Where each application lives: DIR MODULE CALLABLE FILE.
declare -A APP_DIR=([hello]=$ROOT/bench/apps [flask]=$ROOT/tests/integration/apps)
declare -A APP_MODULE=([hello]=hello [flask]=flask_app)
declare -A APP_CALLABLE=([hello]=application [flask]=app)
for a in $APPS; do
  [ -n "${APP_MODULE[$a]:-}" ] || die "unknown app '$a' (hello flask)"
done

active=()
for s in $SERVERS; do
  case "$s" in
    webcycle)
      if [ ! -x "$WEBCYCLE_BIN" ]; then
        log "app.sh: skipping webcycle: $WEBCYCLE_BIN not found"
      elif [[ "$("$WEBCYCLE_BIN" app --help 2>&1 || true)" == *'unknown command "app"'* ]]; then
        log "app.sh: skipping webcycle: $WEBCYCLE_BIN has no \`app\` command yet"
      else
        active+=("$s")
      fi ;;
    gunicorn-sync | gunicorn-gthread)
      if [ -x "$GUNICORN" ]; then active+=("$s"); else log "app.sh: skipping $s: $GUNICORN not found"; fi ;;
    uwsgi)
      if [ -x "$UWSGI" ] && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]; then active+=("$s")
      else log "app.sh: skipping uwsgi: $UWSGI or its python3 plugin (uwsgi-plugin-python3) not found"; fi ;;
    *) die "unknown server '$s' (webcycle gunicorn-sync gunicorn-gthread uwsgi)" ;;
  esac
done
[ "${#active[@]}" -gt 0 ] || die "no server to run"

# ---------------------------------------------------------------------------------------------
# Temp dir, cleanup.

RUN=$(mktemp -d /tmp/webcycle-appbench.XXXXXX)
mkdir -p "$BUILD_DIR"
RESULTS=${RESULTS:-$BUILD_DIR/app-results.tsv}
: >"$RESULTS"
declare -A STARTED=()  # PIDs this script started and has not yet seen exit: stopped on exit

trap 'stop_started app.sh' EXIT
trap 'exit 130' INT TERM

# wrk's report: requests, bytes, seconds, p99, errors (connect, write, timeouts, non-2xx/3xx) and
# read errors apart: uWSGI's --http-socket answers HTTP/1.1 without "Connection: close" and then
# closes, which wrk counts as a read error after each (complete) response.
cat >"$RUN/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.6f %d %d %d\n", summary.requests, summary.bytes,
    summary.duration / 1e6, latency:percentile(99), e.connect + e.write + e.status + e.timeout, e.read))
end
EOF

# ---------------------------------------------------------------------------------------------
# Command lines. cmd_SERVER APP PORT DIR prints the command.

cmd_webcycle() {
  echo "$WEBCYCLE_BIN app -w 1 -b 127.0.0.1:$2 --chdir ${APP_DIR[$1]} --error-logfile $3/error.log ${APP_MODULE[$1]}:${APP_CALLABLE[$1]}"
}
cmd_gunicorn-sync() {
  echo "$GUNICORN -w 1 -b 127.0.0.1:$2 --chdir ${APP_DIR[$1]} --error-logfile $3/error.log ${APP_MODULE[$1]}:${APP_CALLABLE[$1]}"
}
cmd_gunicorn-gthread() {
  echo "$GUNICORN -w 1 -k gthread --threads 4 -b 127.0.0.1:$2 --chdir ${APP_DIR[$1]} --error-logfile $3/error.log ${APP_MODULE[$1]}:${APP_CALLABLE[$1]}"
}
cmd_uwsgi() {
  echo "$UWSGI --http-socket 127.0.0.1:$2 --plugin python3 --chdir ${APP_DIR[$1]} --wsgi-file ${APP_DIR[$1]}/${APP_MODULE[$1]}.py --callable ${APP_CALLABLE[$1]} --master --processes 1 --disable-logging"
}

declare -A PID PORT DIR
start_server() {  # start_server SERVER APP: waits until GET / answers "Hello, World!"
  local s=$1 a=$2 dir port cmd
  dir=$RUN/$s-$a
  mkdir -p "$dir"
  port=$(free_port)
  cmd=$("cmd_$s" "$a" "$port" "$dir")
  echo "$cmd" >"$dir/command"
  # taskset execs the server, so $! is the server's own PID (its master).
  PYTHONDONTWRITEBYTECODE=1 $NICE_CMD taskset -c "$SERVER_CPU" $cmd >"$dir/stdout" 2>"$dir/stderr" </dev/null &
  PID[$s]=$!
  STARTED[${PID[$s]}]=1
  PORT[$s]=$port
  DIR[$s]=$dir
  for _ in $(seq 150); do
    kill -0 "${PID[$s]}" 2>/dev/null || break
    if [ "$(curl -s -m 2 "http://127.0.0.1:$port/" 2>/dev/null)" = "Hello, World!" ]; then
      return 0
    fi
    sleep 0.1
  done
  log "app.sh: $s did not serve $a on 127.0.0.1:$port; skipping it. Its output:"
  tail -n 5 "$dir/stderr" "$dir/stdout" "$dir/error.log" 2>/dev/null | sed 's/^/    /' >&2 || true
  stop_server "$s"
  return 1
}

stop_server() {
  local pid=${PID[$1]:-} sig=TERM
  [ -n "$pid" ] || return 0
  [ "$1" != uwsgi ] || sig=INT  # uWSGI 2.0 reloads on TERM; INT stops it
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "STARTED[$pid]"
  PID[$1]=
}

run_wrk() {  # run_wrk PORT SECONDS: "REQUESTS BYTES SECONDS P99_US ERRORS READ_ERRORS"
  timeout -k 5 $(($2 * 2 + 30)) $NICE_CMD taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"$2"s --latency \
    -s "$RUN/report.lua" "http://127.0.0.1:$1/" 2>&1 | tee "$RUN/load.out" | awk '/^RESULT/ { print $2, $3, $4, $5, $6, $7 }' || true
}

# ---------------------------------------------------------------------------------------------
# Results: R[app,server,metric] holds one value per pass.

declare -A R
add() { R[$1,$2,$3]="${R[$1,$2,$3]:-} $4"; printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }
med() { median "${R[$1,$2,$3]:-}" || true; }  # empty (not a failure) when not measured

measure() {  # measure APP SERVER SECONDS [record]
  local a=$1 s=$2 secs=$3 before after line reqs bytes elapsed p99 errors reads
  before=$(cpu_ticks "${PID[$s]}")
  line=$(run_wrk "${PORT[$s]}" "$secs")
  after=$(cpu_ticks "${PID[$s]}")
  [ "${4:-}" = record ] || return 0
  read -r reqs bytes elapsed p99 errors reads <<<"${line:-0 0 1 0 0 0}"
  if [ "${reqs:-0}" -le 0 ]; then
    log "app.sh: $s: no requests completed for $a; the load's output:"
    tail -n 4 "$RUN/load.out" | sed 's/^/    /' >&2
    return 0
  fi
  add "$a" "$s" rps "$(awk -v r="$reqs" -v e="$elapsed" 'BEGIN { printf "%.0f", r / e }')"
  add "$a" "$s" p99us "$p99"
  add "$a" "$s" cpuus "$(awk -v c=$((after - before)) -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.2f", c / hz * 1e6 / r }')"
  add "$a" "$s" errors "$errors"
  add "$a" "$s" readerrs "$reads"
  [ "${errors:-0}" -eq 0 ] || log "app.sh: $s: $errors errors on $a"
}

run_app() {  # all servers up, passes interleaved so drift hits them all alike
  local a=$1 s p up=()
  for s in "${active[@]}"; do start_server "$s" "$a" && up+=("$s"); done
  for s in "${up[@]}"; do measure "$a" "$s" 1; done  # warm-up
  for p in $(seq "$PASSES"); do
    log "  $a pass $p/$PASSES: ${up[*]}"
    for s in "${up[@]}"; do measure "$a" "$s" "$DURATION" record; done
  done
  for s in "${up[@]}"; do
    add "$a" "$s" hwmkb "$(status_kb "${PID[$s]}" VmHWM)"
    stop_server "$s"
  done
}

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "app.sh: $(nproc) cores, servers on CPU $SERVER_CPU, load on CPU $CLIENT_CPU; servers: ${active[*]}"
log "app.sh: PASSES=$PASSES DURATION=${DURATION}s APPS='$APPS'; temp dir $RUN"
for a in $APPS; do run_app "$a"; done

# ---------------------------------------------------------------------------------------------
# Report.

echo
echo "webcycle app benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
echo "medians of $PASSES passes of ${DURATION}s; wrk -t1 -c$CONNS; servers on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU; one worker each"
echo "versions: gunicorn $($GUNICORN --version 2>&1 | sed 's/.*version //; s/)//'), uwsgi $($UWSGI --version 2>/dev/null || echo '?'), Python $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])'), Flask $(/usr/bin/python3 -c 'import flask; print(flask.__version__)' 2>/dev/null || echo '?'), wrk $(wrk -v 2>&1 | head -1 | awk '{ print $2 }'), kernel $(uname -r)"
if [[ " ${active[*]} " == *" webcycle "* ]]; then
  echo "webcycle: $WEBCYCLE_BIN (tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' + local changes'))"
fi
echo "load average at start: $LOADAVG_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
for a in $APPS; do
  echo
  echo "$a: GET / (13-byte body)"
  printf '%-18s %10s %10s %12s %12s %8s %12s\n' server req/s "p99 ms" "CPU us/req" "peak RSS MB" errors "read errors"
  for s in "${active[@]}"; do
    [ -n "${R[$a,$s,rps]:-}" ] || { printf '%-18s %10s\n' "$s" "(not run)"; continue; }
    printf '%-18s %10s %10s %12s %12s %8s %12s\n' "$s" "$(med "$a" "$s" rps)" \
      "$(awk -v v="$(med "$a" "$s" p99us)" 'BEGIN { printf "%.2f", v / 1000 }')" "$(med "$a" "$s" cpuus)" \
      "$(awk -v v="$(med "$a" "$s" hwmkb)" 'BEGIN { printf "%.1f", v / 1024 }')" "$(med "$a" "$s" errors)" \
      "$(med "$a" "$s" readerrs)"
  done
done

verdict() {  # verdict LABEL APP REFERENCE_SERVER LIMIT
  local label=$1 a=$2 ref=$3 limit=$4 w r
  w=$(med "$a" webcycle rps)
  r=$(med "$a" "$ref" rps)
  if [ -z "$w" ] || [ -z "$r" ]; then
    printf '%-46s %s\n' "$label" "n/a (webcycle or $ref not measured)"
    return
  fi
  awk -v w="$w" -v r="$r" -v lim="$limit" -v l="$label" -v rn="$ref" 'BEGIN {
    ratio = (r > 0) ? w / r : 0
    if (lim <= 0) printf "%-46s %.2fx (%s vs %s %s req/s)\n", l, ratio, w, rn, r
    else printf "%-46s %.2fx (%s vs %s %s req/s; target >= %.1fx) %s\n", l, ratio, w, rn, r, lim, (ratio >= lim) ? "PASS" : "FAIL" }'
}
echo
echo "Targets (issue 3):"
if [[ " $APPS " == *" hello "* ]]; then
  verdict "hello req/s, webcycle / gunicorn-sync" hello gunicorn-sync 4
  verdict "hello req/s, webcycle / uwsgi" hello uwsgi 2
fi
if [[ " $APPS " == *" flask "* ]]; then
  verdict "flask req/s, webcycle / gunicorn-sync" flask gunicorn-sync 1.5
  verdict "flask req/s, webcycle / uwsgi (no target)" flask uwsgi 0
fi
echo
echo "Raw figures (one line per pass): $RESULTS"
