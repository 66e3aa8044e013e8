#!/usr/bin/env bash
# bench/dns.sh: webcycle dns against NSD and dnsmasq serving the same names (issue 5).
#
# Servers (one process, one thread each, pinned to SERVER_CPU with taskset; dnsperf pinned to
# CLIENT_CPU, one thread), each on its own free port on 127.0.0.1 in its own temp dir:
#   webcycle  webcycle dns --zone mysite.test=tests/integration/zones/mysite.test.zone (no query log)
#   nsd       Debian's NSD 4, the same zone file, server-count 1, no logging, RRL off (its
#             default of 200 answers/s per client net would measure the rate limiter)
#   dnsmasq   Debian's dnsmasq, the names of the query file as host-record/cname/mx-host/txt-record
#             and --local=/mysite.test/ (NXDOMAIN for the rest), no upstream, no log, no cache
#             needed (local data)
# Load: dnsperf -T 1 -c CLIENTS -q OUTSTANDING -l DURATION over the same query file (positive A,
# AAAA, MX, TXT, a CNAME to an A, a NXDOMAIN: the mix a web stack's zone sees), with EDNS (-e)
# when EDNS=1. Servers take turns inside each of PASSES passes; the median qps is reported, with
# the ratio webcycle/NSD (the issue's target: at least 1.0) and webcycle/dnsmasq, with each
# server's CPU time (user + system, all its processes) per answered query.
#
# Environment: SERVER_QUOTA (unset; N = each server limited to N% of its core), PASSES (3), DURATION (10 s), CLIENTS (8), OUTSTANDING (200), SERVERS ("webcycle
# nsd dnsmasq"), SERVER_CPU (1), CLIENT_CPU (0), EDNS (0), WEBCYCLE_BIN (default: BUILD_DIR's),
# BUILD_DIR (build-bench), WEBCYCLE_BUILD (1: build webcycle with cmake if needed), KEEP (1: keep
# the temp dir). Only loopback is used; servers are stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"  # free_port, median, cpu_ticks, stop_started
PASSES=${PASSES:-3}
DURATION=${DURATION:-10}
DURATION=${DURATION%s}
CLIENTS=${CLIENTS:-8}
OUTSTANDING=${OUTSTANDING:-200}
SERVERS=${SERVERS:-webcycle nsd dnsmasq}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
EDNS=${EDNS:-0}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
WEBCYCLE_BUILD=${WEBCYCLE_BUILD:-1}
ZONE=$ROOT/tests/integration/zones/mysite.test.zone

log() { printf '%s\n' "$*" >&2; }
die() { log "dns.sh: $*"; exit 1; }

for tool in dnsperf nsd dnsmasq dig taskset; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server and dnsperf on their own)"

if [ -z "${WEBCYCLE_BIN:-}" ]; then
  WEBCYCLE_BIN=$BUILD_DIR/src/cli/webcycle
  if [ "$WEBCYCLE_BUILD" = 1 ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD_DIR" -j2 --target webcycle >/dev/null
  fi
fi
[ -x "$WEBCYCLE_BIN" ] || die "no webcycle binary at $WEBCYCLE_BIN"

RUN=$(mktemp -d /tmp/webcycle-dns-bench.XXXXXX)
declare -A STARTED=() PORT=() SPID=()
CLK_TCK=$(getconf CLK_TCK)
trap 'stop_started dns.sh' EXIT

# The query file: dnsperf's "NAME TYPE" lines.
cat >"$RUN/queries" <<'Q'
www.mysite.test A
www.mysite.test AAAA
app.mysite.test A
mail.mysite.test A
mysite.test MX
txt.mysite.test TXT
alias.mysite.test A
nope.mysite.test A
Q

start_webcycle() {
  local port=$1 dir=$RUN/webcycle
  mkdir -p "$dir"
  taskset -c "$SERVER_CPU" "$WEBCYCLE_BIN" dns --listen "127.0.0.1:$port" \
    --zone "mysite.test=$ZONE" --error-log "$dir/error.log" &
  STARTED[$!]=1
  SPID[webcycle]=$!
}

start_nsd() {
  local port=$1 dir=$RUN/nsd
  mkdir -p "$dir"
  cat >"$dir/nsd.conf" <<C
server:
  ip-address: 127.0.0.1@$port
  username: ""
  zonesdir: "$dir"
  pidfile: "$dir/nsd.pid"
  database: ""
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  logfile: "$dir/nsd.log"
  server-count: 1
  verbosity: 0
  hide-version: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: mysite.test
  zonefile: "$ZONE"
C
  # NSD forks its xfrd helper; -d keeps the main process (the one serving) in the foreground.
  taskset -c "$SERVER_CPU" nsd -d -c "$dir/nsd.conf" &
  STARTED[$!]=1
  SPID[nsd]=$!
}

start_dnsmasq() {
  local port=$1 dir=$RUN/dnsmasq
  mkdir -p "$dir"
  taskset -c "$SERVER_CPU" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
    --port="$port" --listen-address=127.0.0.1 --bind-interfaces --pid-file="$dir/pid" \
    --user="$(id -un)" --local=/mysite.test/ --auth-ttl=300 --local-ttl=300 \
    --host-record=www.mysite.test,127.0.0.1,::1 --host-record=app.mysite.test,127.0.0.2 \
    --host-record=mail.mysite.test,127.0.0.25 --cname=alias.mysite.test,www.mysite.test \
    --mx-host=mysite.test,mail.mysite.test,10 --txt-record=txt.mysite.test,"hello world" \
    --log-facility="$dir/log" &
  STARTED[$!]=1
  SPID[dnsmasq]=$!
}

wait_ready() {  # wait_ready PORT NAME
  for _ in $(seq 100); do
    if dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short www.mysite.test A 2>/dev/null | grep -q 127.0.0.1; then
      return 0
    fi
    sleep 0.1
  done
  die "$2 did not answer on port $1"
}

# SERVER_QUOTA=N (percent of one core): each server runs in a cgroup (v1 cpu controller) limited
# to N% of its core, so that the server, not dnsperf on the other core, sets the pace and the
# queries per second compare the servers. Without it, on 2 cores, dnsperf is often the limit
# (the "core busy" line below says so).
QUOTA_DIR=""
if [ -n "${SERVER_QUOTA:-}" ]; then
  QUOTA_DIR=/sys/fs/cgroup/cpu/webcycle-dns-bench-$$
  mkdir "$QUOTA_DIR" || die "cannot make $QUOTA_DIR (cgroup v1 cpu controller, as root)"
  echo 100000 >"$QUOTA_DIR/cpu.cfs_period_us"
  echo $((SERVER_QUOTA * 1000)) >"$QUOTA_DIR/cpu.cfs_quota_us"
  trap 'stop_started dns.sh; rmdir "$QUOTA_DIR" 2>/dev/null || true' EXIT
fi
limit() {  # limit PID: the process, its threads and every descendant (NSD serves from a
  [ -n "$QUOTA_DIR" ] || return 0   # grandchild) into the quota cgroup
  local t c
  for t in /proc/"$1"/task/*; do echo "${t##*/}" >"$QUOTA_DIR/tasks" 2>/dev/null || true; done
  for c in $(pgrep -P "$1" || true); do limit "$c"; done
}

for s in $SERVERS; do
  PORT[$s]=$(free_port)
  "start_$s" "${PORT[$s]}"
  wait_ready "${PORT[$s]}" "$s"
  limit "${SPID[$s]}"
  log "dns.sh: $s on 127.0.0.1:${PORT[$s]} (cpu $SERVER_CPU${SERVER_QUOTA:+, ${SERVER_QUOTA}% of it})"
done

declare -A QPS=() CPU=()
edns_flag=()
[ "$EDNS" = 1 ] && edns_flag=(-e)
for pass in $(seq "$PASSES"); do
  for s in $SERVERS; do
    t0=$(cpu_ticks "${SPID[$s]}")
    out=$(taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "${PORT[$s]}" -d "$RUN/queries" \
      -T 1 -c "$CLIENTS" -q "$OUTSTANDING" -l "$DURATION" "${edns_flag[@]}" 2>&1)
    qps=$(awk '/Queries per second:/ { print $4 }' <<<"$out")
    t1=$(cpu_ticks "${SPID[$s]}")
    lost=$(awk '/Queries lost:/ { print $3 }' <<<"$out")
    done_q=$(awk '/Queries completed:/ { print $3 }' <<<"$out")
    [ -n "$qps" ] || die "dnsperf against $s failed: $out"
    # Server CPU (user + system, every process of it) per answered query, in microseconds.
    us=$(awk -v t="$((t1 - t0))" -v hz="$CLK_TCK" -v n="$done_q" 'BEGIN { if (n > 0) printf "%.2f", t / hz * 1e6 / n }')
    log "dns.sh: pass $pass $s: $qps qps, $us us CPU/query (lost $lost)"
    QPS[$s]="${QPS[$s]:-} $qps"
    CPU[$s]="${CPU[$s]:-} $us"
  done
done

log "dns.sh: load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %12s %16s\n' server "qps (median)" "CPU us/query"
declare -A MED=()
for s in $SERVERS; do
  MED[$s]=$(median "${QPS[$s]}")
  printf '%-10s %12.0f %16s\n' "$s" "${MED[$s]}" "$(median "${CPU[$s]}")"
done
if [ -n "${MED[webcycle]:-}" ] && [ -n "${MED[nsd]:-}" ]; then
  # The verdict is taken on the exact ratio, not on the rounded one printed.
  ratio=$(awk -v a="${MED[webcycle]}" -v b="${MED[nsd]}" 'BEGIN { printf "%.3f", a / b }')
  verdict=FAIL
  awk -v a="${MED[webcycle]}" -v b="${MED[nsd]}" 'BEGIN { exit !(a >= b) }' && verdict=PASS
  printf 'webcycle/nsd     %sx  (target >= 1.0: %s)\n' "$ratio" "$verdict"
  # CPU per answered query is the steadier figure; how busy each server's core was says whether
  # the server or dnsperf (on the other core) set the pace.
  awk -v a="$(median "${CPU[webcycle]}")" -v b="$(median "${CPU[nsd]}")" \
      -v qa="${MED[webcycle]}" -v qb="${MED[nsd]}" 'BEGIN {
    printf "CPU/query webcycle/nsd %.3fx; server core busy: webcycle %.0f%%, nsd %.0f%%\n",
           a / b, qa * a / 1e4, qb * b / 1e4 }'
fi
if [ -n "${MED[webcycle]:-}" ] && [ -n "${MED[dnsmasq]:-}" ]; then
  printf 'webcycle/dnsmasq %sx\n' "$(awk -v a="${MED[webcycle]}" -v b="${MED[dnsmasq]}" 'BEGIN { printf "%.2f", a / b }')"
fi
