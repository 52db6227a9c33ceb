#!/usr/bin/env bash
# Builds everything and runs the whole test suite (ctest). The real-data tests need MNIST, CIFAR-10
# and IMDB, so they are fetched first (from ADAMITE_DATA_MIRROR when set, else downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
export ADAMITE_DATA="${ADAMITE_DATA:-$PWD/datasets}"
./build/adamite fetch mnist cifar10 imdb
ctest --test-dir build --output-on-failure
