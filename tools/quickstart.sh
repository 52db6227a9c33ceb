#!/usr/bin/env bash
# The main job: install what is missing, build, get MNIST, train the Adam paper's MLP with Adam,
# and print the test accuracy. Without network or mirror, MNIST cannot be had: then it trains on
# Fashion-MNIST from the Debian package instead, and says so.
#   EPOCHS=N overrides the 10 epochs; ADAMITE_DATA_MIRROR=DIR copies data from DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh --target adamite_cli
export ADAMITE_DATA="${ADAMITE_DATA:-$PWD/datasets}"
dataset=mnist
if ! ./build/adamite fetch mnist; then
  echo "MNIST could not be fetched (no network, no ADAMITE_DATA_MIRROR): using Fashion-MNIST from the Debian package instead"
  ./build/adamite fetch --offline fashion-mnist
  dataset=fashion-mnist
fi
mkdir -p runs
./build/adamite train --model mlp --dataset "$dataset" --optimizer adam --epochs "${EPOCHS:-10}" \
  --log "runs/mlp-$dataset.csv" --save "runs/mlp-$dataset.safetensors"
echo "per-epoch log: runs/mlp-$dataset.csv"
