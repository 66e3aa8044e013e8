# bench/lib.sh: shell helpers shared by bench/static.sh and bench/app.sh (sourced, not run).
# Bash 4+ (associative arrays). Nothing here starts a process that outlives its call.

# A free high port on 127.0.0.1, below the ephemeral range so no client socket takes it.
declare -A USED_PORTS=()
free_port() {
  local p
  while true; do
    p=$((20000 + RANDOM % 12000))
    [ -z "${USED_PORTS[$p]:-}" ] || continue
    if ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
      USED_PORTS[$p]=1
      echo "$p"
      return
    fi
  done
}

descendants() {  # the PID and every process below it
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      keep[root] = 1; changed = 1
      while (changed) { changed = 0
        for (i in pids) { p = pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } } }
      for (p in keep) print p
    }'
}
cpu_ticks() {  # utime + stime of all the server's processes
  local total=0 p t
  for p in $(descendants "$1"); do
    # Fields after the ")" that ends comm: utime and stime are the 12th and 13th.
    t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
status_kb() {  # status_kb PID FIELD: FIELD (VmRSS, VmHWM) summed over the server's processes
  local total=0 p v
  for p in $(descendants "$1"); do
    v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null) || continue
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# The median of the numbers in $1 (space-separated); empty for none.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# wrk's report script: one line "RESULT requests bytes seconds p99_us errors" at the end.
write_wrk_report_lua() {  # write_wrk_report_lua FILE
  cat >"$1" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.6f %d %d\n", summary.requests, summary.bytes,
    summary.duration / 1e6, latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
}

# stop_started NAME: the EXIT trap of a script that starts servers. Stops every PID in the
# caller's STARTED set (TERM, and INT for uWSGI 2.0, which reloads on TERM; KILL after 5 s), then
# removes $RUN unless KEEP=1.
stop_started() {
  local pid
  for pid in "${!STARTED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    kill -INT "$pid" 2>/dev/null || true  # uWSGI 2.0 reloads on TERM
  done
  for pid in "${!STARTED[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ]; then log "$1: kept $RUN"; else rm -rf "$RUN"; fi
}
