#!/usr/bin/env bash
# Runs every libFuzzer harness of fuzz/ (each `webcycle_fuzzer(NAME ...)` in fuzz/CMakeLists.txt)
# for a bounded time, FUZZ_PARALLEL at a time, under ASan + UBSan:
#   1. installs clang 16 & co (scripts/install-deps.sh fuzz) and builds the NAME_fuzzer targets
#      into build-fuzz/ (clang-16, -DWEBCYCLE_FUZZ=ON -DWEBCYCLE_SANITIZE=ON);
#   2. runs each over a COPY of fuzz/corpus/NAME in a temporary directory (new inputs never land
#      in the repository), printing one line per harness: "NAME: 20 s, 123456 runs, no crash".
# A crash (sanitizer report, failed invariant, timeout, out-of-memory) keeps its input in
# fuzz/artifacts/ (gitignored), prints the report and makes the script exit 1 after the others ran.
#
# scripts/test.sh runs it in CI with a short FUZZ_SECONDS (a crash fails the suite); the long run
# is `FUZZ_SECONDS=600 scripts/fuzz.sh`.
# Environment: FUZZ_SECONDS   time per harness (default 20; FUZZ_SECONDS=600 for a longer run)
#              FUZZ_TARGETS   space-separated harness names to run (default: all)
#              FUZZ_PARALLEL  harnesses run at the same time (default 2: one per core)
#              FUZZ_JOBS      build parallelism (default 2)
#              FUZZ_BUILD_DIR where to build (default build-fuzz/)
# Replay one crash: build-fuzz/fuzz/NAME_fuzzer fuzz/artifacts/NAME-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${FUZZ_SECONDS:-20}
case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: FUZZ_SECONDS must be a whole number of seconds" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh fuzz

all=$(sed -n 's/^webcycle_fuzzer(\([A-Za-z0-9_]*\).*/\1/p' fuzz/CMakeLists.txt)
names=${FUZZ_TARGETS:-$all}
for n in $names; do
  if ! grep -qx "$n" <<<"$all"; then
    echo "fuzz.sh: no harness '$n' in fuzz/CMakeLists.txt" >&2
    exit 2
  fi
done

build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
parallel=${FUZZ_PARALLEL:-2}
case "$parallel" in
  '' | *[!0-9]* | 0) echo "fuzz.sh: FUZZ_PARALLEL must be a positive whole number" >&2; exit 2 ;;
esac
CC=clang-16 CXX=clang++-16 cmake -S . -B "$build" -DWEBCYCLE_FUZZ=ON -DWEBCYCLE_SANITIZE=ON \
  -DWEBCYCLE_TESTS=ON >/dev/null
targets=()
for n in $names; do targets+=("${n}_fuzzer"); done
cmake --build "$build" --target "${targets[@]}" -j"${FUZZ_JOBS:-2}" >/dev/null

# Longest input worth mutating, per harness: a bit above what the parser meaningfully reads.
max_len() {
  case "$1" in
    http_date) echo 64 ;;
    static_range) echo 512 ;;
    http_uri | static_conditional) echo 1024 ;;
    vars_template) echo 2048 ;;
    http_chunked | http_request_parser) echo 4096 ;;
    web_config) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/webcycle-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p fuzz/artifacts

# Crash stacks with function names and lines (any llvm-symbolizer reads clang 16's debug info).
for s in /usr/lib/llvm-16/bin/llvm-symbolizer llvm-symbolizer-16 llvm-symbolizer; do
  if path=$(command -v "$s"); then
    export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$path}
    break
  fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One harness: its verdict line goes to $work/NAME.result (and its report to $work/NAME.report).
fuzz_one() {
  local n=$1 corpus=$work/$1 log=$work/$1.log start=$SECONDS rc=0 took runs artifact
  cp -r "fuzz/corpus/$n" "$corpus"
  "$build/fuzz/${n}_fuzzer" "$corpus" -max_total_time="$seconds" -max_len="$(max_len "$n")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$root/fuzz/artifacts/$n-" >"$log" 2>&1 || rc=$?
  took=$((SECONDS - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "$n: $took s, ${runs:-?} runs, no crash" >"$work/$n.result"
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$n: $took s, ${runs:-?} runs, CRASH (exit $rc)${artifact:+, input kept in ${artifact#"$root"/}}" \
      >"$work/$n.result"
    # The report: from the sanitizer's / invariant's first line to the end, bounded.
    awk '/^==[0-9]+==|invariant failed|runtime error|^INFO: .*(timeout|out-of-memory)|ALARM|deadly signal/ {p=1} p' \
      "$log" | head -n 80 >"$work/$n.report"
  fi
}

# FUZZ_PARALLEL harnesses at a time; each line is printed as its harness ends.
running=()
report() {
  local n=$1
  cat "$work/$n.result"
  if [ -s "$work/$n.report" ]; then cat "$work/$n.report" >&2; fi
}
for n in $names; do
  while [ ${#running[@]} -ge "$parallel" ]; do
    wait -n || true
    still=()
    for r in "${running[@]}"; do
      if [ -e "$work/$r.result" ]; then report "$r"; else still+=("$r"); fi
    done
    running=("${still[@]}")
  done
  fuzz_one "$n" &
  running+=("$n")
done
wait
for r in "${running[@]}"; do report "$r"; done

failed=0
for n in $names; do
  grep -q ', no crash$' "$work/$n.result" || failed=1
done
exit "$failed"
