#!/usr/bin/env bash
# Configures and builds adamite in build/ (Release, -O3 -march=native). Warnings are errors in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DADAMITE_WERROR="$werror" >/dev/null
cmake --build build -j "$(nproc)" "$@"
