#!/usr/bin/env bash
# Runs clang-tidy-16 (the repo's .clang-tidy) over src/, using build/compile_commands.json.
# Usage: scripts/tidy.sh [FILES...]   (default: every .cpp under src/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh tidy
[ -f build/compile_commands.json ] || bash scripts/build.sh build
if [ $# -eq 0 ]; then
  mapfile -t files < <(find src -name '*.cpp' | sort)
else
  files=("$@")
fi
clang-tidy-16 -p build --quiet "${files[@]}"
