#!/usr/bin/env bash
# Installs everything webcycle needs to build, test, fuzz and benchmark, from Debian 12's packages.
# Idempotent: packages already present are skipped, and apt is not touched when nothing is missing.
# Usage: scripts/install-deps.sh [build|test|bench|fuzz|tidy|all]   (default: test)
# zlib1g-dev: browse decodes gzip bodies (Accept-Encoding), as curl --compressed does.
# test: dig, NSD and dnsmasq are the DNS peers; chromium (headless) loads the demo's pages.
# fuzz: clang 16 with its libFuzzer/sanitizer runtimes (clang 14 cannot compile <expected>).
set -euo pipefail

want=${1:-test}

build_pkgs=(build-essential cmake pkg-config libpcre2-dev libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev python3 libpython3-dev zlib1g-dev libssl-dev libcrypt-dev libnghttp2-dev)
test_pkgs=(curl nghttp2-client python3 nginx-light gunicorn python3-flask python3-django clang libclang-rt-14-dev llvm bind9-dnsutils nsd dnsmasq-base chromium)
# test: slowhttptest attacks the servers (test_slow_clients.py), wrk drives the soak (test_soak.py).
test_pkgs+=(slowhttptest wrk)
# test: python3-yaml reads deploy/kubernetes, systemd's systemd-analyze verifies deploy/systemd
# (test_deploy.py); iproute2's `ip netns` builds the hosts of test_multihost.py.
test_pkgs+=(python3-yaml systemd iproute2)
bench_pkgs=(nginx-light h2o lighttpd wrk nghttp2-client gunicorn python3-flask uwsgi-core uwsgi-plugin-python3 util-linux procps dnsperf nsd dnsmasq-base liburing-dev)
# test, bench: the openssl CLI makes the TLS certificates and speaks s_client (test_tls.py,
# bench/tls.sh); wrk speaks https for bench/tls.sh.
test_pkgs+=(openssl)
bench_pkgs+=(openssl)
fuzz_pkgs=(clang-16 libclang-rt-16-dev llvm)  # llvm: llvm-symbolizer, for readable crash stacks
tidy_pkgs=(clang-tidy-16)  # clang-tidy 14 cannot parse <expected> (see .clang-tidy)

case "$want" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) pkgs=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  fuzz) pkgs=("${build_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
  tidy) pkgs=("${build_pkgs[@]}" "${tidy_pkgs[@]}") ;;
  all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}" "${fuzz_pkgs[@]}" "${tidy_pkgs[@]}") ;;
  *) echo "install-deps.sh: unknown set '$want' (build|test|bench|fuzz|tidy|all)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: missing packages (${missing[*]}); run as root or install them" >&2
  exit 1
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's nginx and lighttpd packages start their daemons on install; the benchmarks start their
# own copies on loopback, so the packaged services are stopped if they came up.
for svc in nginx lighttpd h2o nsd; do
  if [ -f "/run/$svc.pid" ]; then kill "$(cat /run/$svc.pid)" 2>/dev/null || true; fi
done
