#!/usr/bin/env bash
# Trains the paper MLP (with dropout) on MNIST with every optimizer and prints a Markdown table:
# algorithm, learning rate, final test accuracy, seconds. EPOCHS (default 5) shortens or lengthens
# the runs. Used for the table in docs/optimizers.md.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs="${EPOCHS:-5}"
adamite=./build/adamite
# A sensible learning rate per algorithm (AdaDelta's α is 1 by construction).
runs=("sgd 0.1" "nesterov 0.05" "adagrad 0.01" "rmsprop 0.001" "adadelta 1.0" "adam 0.001"
      "adamw 0.001" "adamax 0.002" "nadam 0.002" "amsgrad 0.001")
echo "| algorithm | lr | test accuracy after $epochs epochs | seconds |"
echo "|---|---|---|---|"
for run in "${runs[@]}"; do
  read -r name lr <<<"$run"
  log=$(mktemp)
  "$adamite" train --model mlp --dataset mnist --optimizer "$name" --lr "$lr" --epochs "$epochs" \
    --seed 0 --log "$log" >/dev/null
  tail -n 1 "$log" | awk -F, -v n="$name" -v lr="$lr" '{ printf "| %s | %s | %.2f%% | %.0f |\n", n, lr, 100*$5, $6 }'
  rm -f "$log"
done
