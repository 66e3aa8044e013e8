#!/usr/bin/env bash
# Builds webcycle into build/ (or $1) with CMake: RelWithDebInfo by default, extra args to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
