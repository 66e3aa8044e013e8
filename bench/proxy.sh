#!/usr/bin/env bash
# bench/proxy.sh: the web server -> application server hop (issue 4), side by side in one run.
#
# Application: bench/apps/hello.py:application (GET / answers the 13-byte "Hello, World!").
# Stacks, one worker on each side, web server and app server both pinned to SERVER_CPU with
# taskset, wrk on CLIENT_CPU, each stack on its own free ports on 127.0.0.1:
#   webcycle        webcycle web -> webcycle app      (proxy_pass http://app, upstream keepalive)
#   nginx-gunicorn  nginx -> gunicorn 20.1 sync       (proxy_pass http://app, upstream keepalive)
#   nginx-uwsgi     nginx -> uWSGI 2.0                (uwsgi_pass over a uwsgi-protocol socket)
#   nginx-wcapp     nginx -> webcycle app             (proxy_pass, keepalive; no target: it shows
#                                                      what the web side alone is worth)
# The proxy_pass stacks share one config text (webcycle web reads nginx's): worker_processes 1,
# access_log off, `upstream app { server 127.0.0.1:APP; keepalive K; }` (K = CONNS+14, so the
# pool never churns), `proxy_pass
# http://app; proxy_http_version 1.1; proxy_set_header Connection "";`. nginx-uwsgi: `uwsgi_pass
# 127.0.0.1:APP; include uwsgi_params;` (the uwsgi protocol has no keep-alive). App servers: no
# access log (gunicorn's default; uWSGI --disable-logging).
# Load: wrk -t1 -cCONNS -dDURATION --latency on GET /, PASSES passes (stacks take turns inside
# each pass), medians: req/s, p99 latency, CPU per request (web server and app server apart, all
# their processes), peak RSS (VmHWM summed over both), errors (connect/read/write/timeout and
# non-2xx answers).
# Then the issue's targets with PASS/FAIL: webcycle >= 4x nginx-gunicorn and >= 2.5x nginx-uwsgi.
#
# Environment: PASSES (3), DURATION (10, seconds), STACKS ("webcycle nginx-gunicorn nginx-uwsgi
# nginx-wcapp"), CONNS (50), SERVER_CPU (0), CLIENT_CPU (1), WEBCYCLE_BIN (default: built into
# BUILD_DIR), BUILD_DIR (build-bench), WEBCYCLE_BUILD (1: build webcycle with cmake if needed;
# 0: don't), NICE (e.g. -10), KEEP (1: keep the temp dir), RESULTS (every pass's figures as TSV;
# BUILD_DIR/proxy-results.tsv).
# Only loopback is used; every load is bounded in time; servers are stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# free_port, descendants, cpu_ticks, status_kb, median, write_wrk_report_lua
. "$ROOT/bench/lib.sh"
PASSES=${PASSES:-3}
DURATION=${DURATION:-10}
DURATION=${DURATION%s}
STACKS=${STACKS:-webcycle nginx-gunicorn nginx-uwsgi nginx-wcapp}
CONNS=${CONNS:-50}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
WEBCYCLE_BUILD=${WEBCYCLE_BUILD:-1}
CLK_TCK=$(getconf CLK_TCK)
NICE_CMD=
[ -z "${NICE:-}" ] || NICE_CMD="nice -n $NICE"
NGINX=/usr/sbin/nginx
GUNICORN=/usr/bin/gunicorn
UWSGI=/usr/bin/uwsgi
APP_DIR=$ROOT/bench/apps

log() { printf '%s\n' "$*" >&2; }
die() { log "proxy.sh: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools, peers, builds.

"$ROOT/scripts/install-deps.sh" bench || log "proxy.sh: install-deps.sh failed; using what is installed"
for tool in wrk taskset curl ps ss; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done
if [ "$(nproc)" -lt 2 ]; then
  log "proxy.sh: only $(nproc) core: servers and load generator share core 0 (figures not comparable)"
  SERVER_CPU=0 CLIENT_CPU=0
fi

wants_webcycle() { [[ " $STACKS " == *" webcycle "* || " $STACKS " == *" nginx-wcapp "* ]]; }
if [ -z "${WEBCYCLE_BIN:-}" ]; then
  WEBCYCLE_BIN=$BUILD_DIR/src/cli/webcycle
  if [ "$WEBCYCLE_BUILD" = 1 ] && wants_webcycle; then
    mkdir -p "$BUILD_DIR"
    { cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWEBCYCLE_TESTS=OFF >/dev/null &&
        cmake --build "$BUILD_DIR" --target webcycle -j2 >"$BUILD_DIR/bench-build-webcycle.log" 2>&1; } ||
      log "proxy.sh: building webcycle failed (see $BUILD_DIR/bench-build-webcycle.log)"
  fi
  [ -x "$WEBCYCLE_BIN" ] || WEBCYCLE_BIN=$ROOT/build/src/cli/webcycle
fi

RUN=$(mktemp -d /tmp/webcycle-proxybench.XXXXXX)
mkdir -p "$BUILD_DIR"
RESULTS=${RESULTS:-$BUILD_DIR/proxy-results.tsv}
: >"$RESULTS"

# The web servers' shared config. web_conf DIR WEB_PORT LOCATION_BODY UPSTREAM_BLOCK NGINX_ONLY
web_conf() {
  mkdir -p "$1/conf" "$1/logs" "$1/tmp"
  cat >"$1/conf/web.conf" <<EOF
worker_processes 1;
error_log $1/logs/error.log;
pid $1/logs/web.pid;
$5
events { worker_connections 4096; }
http {
    access_log off;
    $4
    server {
        listen 127.0.0.1:$2;
        location / {
            $3
        }
    }
}
EOF
}
NGINX_MAIN="user root;"  # nginx-only plumbing (webcycle runs as whoever starts it)
nginx_http_extra() {     # temp paths inside the run dir, not /var/lib/nginx
  echo "client_body_temp_path $1/tmp/body; proxy_temp_path $1/tmp/proxy; uwsgi_temp_path $1/tmp/uwsgi; fastcgi_temp_path $1/tmp/fastcgi; scgi_temp_path $1/tmp/scgi;"
}
PROXY_LOCATION='proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";'
# keepalive at least CONNS: with fewer idle connections than requests in flight, the surplus is
# opened and closed on every round (with 32 for 50, that churn dominated the cost of every
# proxy_pass stack and left ~60k sockets in TIME_WAIT). Same text for every proxy_pass stack.
KEEPALIVE=$(( CONNS > 32 ? CONNS + 14 : 32 ))
upstream_block() { echo "upstream app { server 127.0.0.1:$1; keepalive $KEEPALIVE; }"; }

# Can this webcycle run the config at all? (Until issue 4 lands: '"proxy_pass" directive is not
# supported yet'.)
webcycle_proxy_check() {
  local d=$RUN/check
  web_conf "$d" 9 "$PROXY_LOCATION" "$(upstream_block 10)" ""
  "$WEBCYCLE_BIN" web -t -p "$d" -c "$d/conf/web.conf" >"$d/t.out" 2>&1
}

active=()
for s in $STACKS; do
  case "$s" in
    webcycle)
      if [ ! -x "$WEBCYCLE_BIN" ]; then
        log "proxy.sh: skipping webcycle: $WEBCYCLE_BIN not found"
      elif [[ "$("$WEBCYCLE_BIN" app --help 2>&1 || true)" == *'unknown command "app"'* ]]; then
        log "proxy.sh: skipping webcycle: $WEBCYCLE_BIN has no \`app\` command"
      elif ! webcycle_proxy_check; then
        log "proxy.sh: skipping webcycle: its web server does not take the proxy config yet: $(head -1 "$RUN/check/t.out")"
      else
        active+=("$s")
      fi ;;
    nginx-gunicorn)
      if [ -x "$NGINX" ] && [ -x "$GUNICORN" ]; then active+=("$s")
      else log "proxy.sh: skipping $s: $NGINX or $GUNICORN not found"; fi ;;
    nginx-uwsgi)
      if [ ! -x "$NGINX" ] || [ ! -x "$UWSGI" ] || [ ! -e /usr/lib/uwsgi/plugins/python3_plugin.so ]; then
        log "proxy.sh: skipping $s: $NGINX, $UWSGI or its python3 plugin not found"
      elif "$NGINX" -V 2>&1 | grep -q -- '--without-http_uwsgi_module'; then
        log "proxy.sh: skipping $s: this nginx was built without the uwsgi module (nginx -V)"
      else
        active+=("$s")
      fi ;;
    nginx-wcapp)
      if [ -x "$NGINX" ] && [ -x "$WEBCYCLE_BIN" ]; then active+=("$s")
      else log "proxy.sh: skipping $s: $NGINX or $WEBCYCLE_BIN not found"; fi ;;
    *) die "unknown stack '$s' (webcycle nginx-gunicorn nginx-uwsgi nginx-wcapp)" ;;
  esac
done
[ "${#active[@]}" -gt 0 ] || die "no stack to run"

# ---------------------------------------------------------------------------------------------
# Processes. Every PID started here is stopped on exit.

declare -A STARTED=()
trap 'stop_started proxy.sh' EXIT
trap 'exit 130' INT TERM

write_wrk_report_lua "$RUN/report.lua"

LAUNCHED=
launch() {  # launch DIR NAME CMD...: runs CMD pinned to SERVER_CPU; its PID in LAUNCHED
  local dir=$1 name=$2
  shift 2
  echo "$*" >"$dir/$name.command"
  # taskset execs the server, so $! is the server's own PID (its master).
  PYTHONDONTWRITEBYTECODE=1 $NICE_CMD taskset -c "$SERVER_CPU" "$@" >"$dir/$name.stdout" 2>"$dir/$name.stderr" </dev/null &
  LAUNCHED=$!
  STARTED[$LAUNCHED]=1
}

declare -A WEB_PID APP_PID PORT DIR
start_stack() {  # start_stack STACK: both servers; waits until GET / answers "Hello, World!"
  local s=$1 dir web_port app_port web_cmd
  dir=$RUN/$s
  mkdir -p "$dir"
  web_port=$(free_port)
  app_port=$(free_port)
  case "$s" in
    webcycle)
      launch "$dir" app "$WEBCYCLE_BIN" app -w 1 -b "127.0.0.1:$app_port" --chdir "$APP_DIR" --error-logfile "$dir/app-error.log" hello:application
      APP_PID[$s]=$LAUNCHED
      web_conf "$dir" "$web_port" "$PROXY_LOCATION" "$(upstream_block "$app_port")" ""
      launch "$dir" web "$WEBCYCLE_BIN" web -p "$dir" -c "$dir/conf/web.conf"
      WEB_PID[$s]=$LAUNCHED ;;
    nginx-gunicorn | nginx-wcapp)
      if [ "$s" = nginx-gunicorn ]; then
        launch "$dir" app "$GUNICORN" -w 1 -b "127.0.0.1:$app_port" --chdir "$APP_DIR" --error-logfile "$dir/app-error.log" hello:application
      else
        launch "$dir" app "$WEBCYCLE_BIN" app -w 1 -b "127.0.0.1:$app_port" --chdir "$APP_DIR" --error-logfile "$dir/app-error.log" hello:application
      fi
      APP_PID[$s]=$LAUNCHED
      web_conf "$dir" "$web_port" "$PROXY_LOCATION" "$(upstream_block "$app_port") $(nginx_http_extra "$dir")" "$NGINX_MAIN"
      launch "$dir" web "$NGINX" -p "$dir/" -c "$dir/conf/web.conf" -g "daemon off;"
      WEB_PID[$s]=$LAUNCHED ;;
    nginx-uwsgi)
      launch "$dir" app "$UWSGI" --socket "127.0.0.1:$app_port" --plugin python3 --chdir "$APP_DIR" --wsgi-file "$APP_DIR/hello.py" --callable application --master --processes 1 --disable-logging
      APP_PID[$s]=$LAUNCHED
      web_conf "$dir" "$web_port" "uwsgi_pass 127.0.0.1:$app_port; include /etc/nginx/uwsgi_params;" "$(nginx_http_extra "$dir")" "$NGINX_MAIN"
      launch "$dir" web "$NGINX" -p "$dir/" -c "$dir/conf/web.conf" -g "daemon off;"
      WEB_PID[$s]=$LAUNCHED ;;
  esac
  PORT[$s]=$web_port
  DIR[$s]=$dir
  for _ in $(seq 150); do
    kill -0 "${WEB_PID[$s]}" 2>/dev/null && kill -0 "${APP_PID[$s]}" 2>/dev/null || break
    if [ "$(curl -s -m 2 "http://127.0.0.1:$web_port/" 2>/dev/null)" = "Hello, World!" ]; then
      return 0
    fi
    sleep 0.1
  done
  log "proxy.sh: $s did not answer on 127.0.0.1:$web_port; skipping it. Its output:"
  tail -n 5 "$dir"/*.stderr "$dir"/*.stdout "$dir/logs/error.log" "$dir/app-error.log" 2>/dev/null | sed 's/^/    /' >&2 || true
  stop_stack "$s"
  return 1
}

stop_pid() {  # stop_pid PID SIGNAL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -"$2" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "STARTED[$pid]"
}
stop_stack() {
  local app_sig=TERM
  [ "$1" != nginx-uwsgi ] || app_sig=INT  # uWSGI 2.0 reloads on TERM; INT stops it
  stop_pid "${WEB_PID[$1]:-}" TERM
  stop_pid "${APP_PID[$1]:-}" "$app_sig"
  WEB_PID[$1]= APP_PID[$1]=
}

run_wrk() {  # run_wrk PORT SECONDS: "REQUESTS BYTES SECONDS P99_US ERRORS"
  timeout -k 5 $(($2 * 2 + 30)) $NICE_CMD taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"$2"s --latency \
    -s "$RUN/report.lua" "http://127.0.0.1:$1/" 2>&1 | tee "$RUN/load.out" | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }' || true
}

# ---------------------------------------------------------------------------------------------
# Results: R[stack,metric] holds one value per pass.

declare -A R
add() { R[$1,$2]="${R[$1,$2]:-} $3"; printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }
med() { median "${R[$1,$2]:-}" || true; }


# Sockets in TIME_WAIT on this machine. gunicorn's sync worker closes every connection and the
# uwsgi protocol has no keep-alive, so nginx-gunicorn and nginx-uwsgi leave tens of thousands
# behind (60 s each); so does any other connection-per-request load running beside this script.
# Near the kernel's tcp_max_tw_buckets (131072 here) or when one server port's tuples are all
# taken, new connections hit TIME_WAIT tuples and wait for a SYN retransmit: p99 near 1 s and
# req/s collapses (seen here with another load running at the same time). Counted before each
# run, recorded, and a warning printed when it looks like that.
tw_count() { ss -Htan state time-wait 2>/dev/null | wc -l; }

measure() {  # measure STACK SECONDS [record]
  local s=$1 secs=$2 line reqs bytes elapsed p99 errors tw
  tw=$(tw_count)
  [ "$tw" -lt 90000 ] || log "proxy.sh: $s: $tw sockets in TIME_WAIT before this run (figures may suffer; see bench/README.md)"
  local web0 app0 web1 app1
  web0=$(cpu_ticks "${WEB_PID[$s]}") app0=$(cpu_ticks "${APP_PID[$s]}")
  line=$(run_wrk "${PORT[$s]}" "$secs")
  web1=$(cpu_ticks "${WEB_PID[$s]}") app1=$(cpu_ticks "${APP_PID[$s]}")
  [ "${3:-}" = record ] || return 0
  read -r reqs bytes elapsed p99 errors <<<"${line:-0 0 1 0 0}"
  if [ "${reqs:-0}" -le 0 ]; then
    log "proxy.sh: $s: no requests completed; the load's output:"
    tail -n 4 "$RUN/load.out" | sed 's/^/    /' >&2
    return 0
  fi
  add "$s" rps "$(awk -v r="$reqs" -v e="$elapsed" 'BEGIN { printf "%.0f", r / e }')"
  add "$s" p99us "$p99"
  add "$s" webus "$(awk -v c=$((web1 - web0)) -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.2f", c / hz * 1e6 / r }')"
  add "$s" appus "$(awk -v c=$((app1 - app0)) -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.2f", c / hz * 1e6 / r }')"
  add "$s" errors "$errors"
  add "$s" timewait "$tw"
  [ "${errors:-0}" -eq 0 ] || log "proxy.sh: $s: $errors errors"
  [ "${p99:-0}" -lt 900000 ] || log "proxy.sh: $s: p99 $((p99 / 1000)) ms: SYN retransmits? ($(tw_count) sockets in TIME_WAIT now)"
}

LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
TW_START=$(tw_count)
log "proxy.sh: $(nproc) cores, servers on CPU $SERVER_CPU, load on CPU $CLIENT_CPU; stacks: ${active[*]}"
log "proxy.sh: PASSES=$PASSES DURATION=${DURATION}s CONNS=$CONNS; temp dir $RUN"
up=()
for s in "${active[@]}"; do start_stack "$s" && up+=("$s"); done
for s in "${up[@]}"; do measure "$s" 1; done  # warm-up
for p in $(seq "$PASSES"); do
  log "  pass $p/$PASSES: ${up[*]}"
  for s in "${up[@]}"; do measure "$s" "$DURATION" record; done
done
for s in "${up[@]}"; do
  add "$s" hwmkb $(($(status_kb "${WEB_PID[$s]}" VmHWM) + $(status_kb "${APP_PID[$s]}" VmHWM)))
  stop_stack "$s"
done

# ---------------------------------------------------------------------------------------------
# Report.

echo
echo "web -> app benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
echo "medians of $PASSES passes of ${DURATION}s; wrk -t1 -c$CONNS on CPU $CLIENT_CPU; web and app servers both on CPU $SERVER_CPU, one worker each"
echo "versions: nginx $($NGINX -v 2>&1 | sed 's/.*nginx\///'), gunicorn $($GUNICORN --version 2>&1 | sed 's/.*version //; s/)//'), uwsgi $($UWSGI --version 2>/dev/null || echo '?'), Python $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])'), wrk $(wrk -v 2>&1 | head -1 | awk '{ print $2 }'), kernel $(uname -r)"
if wants_webcycle; then
  echo "webcycle: $WEBCYCLE_BIN (tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' + local changes'))"
fi
echo "load average at start: $LOADAVG_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
TW_MAX=$(for s in "${active[@]}"; do echo "${R[$s,timewait]:-}"; done | tr ' ' '\n' | grep . | sort -n | tail -1 || true)
echo "sockets in TIME_WAIT at start: $TW_START; the most before one run: ${TW_MAX:-?} (a p99 near 1 s with ~100k of them: SYN retransmits, see bench/README.md)"
echo
echo "hello: GET / (13-byte body) through the web server"
printf '%-16s %10s %10s %10s %10s %12s %8s\n' stack req/s "p99 ms" "web us/req" "app us/req" "peak RSS MB" errors
for s in "${active[@]}"; do
  [ -n "${R[$s,rps]:-}" ] || { printf '%-16s %10s\n' "$s" "(not run)"; continue; }
  printf '%-16s %10s %10s %10s %10s %12s %8s\n' "$s" "$(med "$s" rps)" \
    "$(awk -v v="$(med "$s" p99us)" 'BEGIN { printf "%.2f", v / 1000 }')" "$(med "$s" webus)" "$(med "$s" appus)" \
    "$(awk -v v="$(med "$s" hwmkb)" 'BEGIN { printf "%.1f", v / 1024 }')" "$(med "$s" errors)"
done

verdict() {  # verdict LABEL REFERENCE_STACK LIMIT
  local label=$1 ref=$2 limit=$3 w r
  w=$(med webcycle rps)
  r=$(med "$ref" rps)
  if [ -z "$w" ] || [ -z "$r" ]; then
    printf '%-40s %s\n' "$label" "n/a (webcycle or $ref not measured)"
    return
  fi
  awk -v w="$w" -v r="$r" -v lim="$limit" -v l="$label" -v rn="$ref" 'BEGIN {
    ratio = (r > 0) ? w / r : 0
    if (lim <= 0) printf "%-40s %.2fx (%s vs %s %s req/s)\n", l, ratio, w, rn, r
    else printf "%-40s %.2fx (%s vs %s %s req/s; target >= %.1fx) %s\n", l, ratio, w, rn, r, lim, (ratio >= lim) ? "PASS" : "FAIL" }'
}
echo
echo "Targets (issue 4):"
verdict "req/s, webcycle / nginx-gunicorn" nginx-gunicorn 4
verdict "req/s, webcycle / nginx-uwsgi" nginx-uwsgi 2.5
verdict "req/s, webcycle / nginx-wcapp (no target)" nginx-wcapp 0
echo
echo "Raw figures (one line per pass): $RESULTS"
