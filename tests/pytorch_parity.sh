#!/usr/bin/env bash
# ctest hook: adamite's optimizers against PyTorch's, 3 steps of the paper MLP on MNIST, and
# BatchNorm1d/2d against torch's through the batch_norm_probe program
# (tools/check_pytorch_parity.py). Usage:
#   bash tests/pytorch_parity.sh PATH/TO/adamite PATH/TO/batch_norm_probe
# Exits 77 (ctest: skipped) where no python3 can import torch and numpy, or MNIST is missing.
set -euo pipefail
adamite=$(realpath "${1:?usage: pytorch_parity.sh PATH/TO/adamite PATH/TO/batch_norm_probe}")
probe=$(realpath "${2:?usage: pytorch_parity.sh PATH/TO/adamite PATH/TO/batch_norm_probe}")
cd "$(dirname "$0")/.."

# The python3 on PATH may be another interpreter (pyenv, venv) than the one Debian's
# python3-torch installs into, so try both.
python=
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch, numpy' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [[ -z $python ]]; then
  echo "SKIP: no python3 with torch and numpy (apt-get install python3-torch python3-numpy)"
  exit 77
fi
data=${ADAMITE_DATA:-datasets}
if [[ ! -f $data/mnist/train-images-idx3-ubyte.gz ||
      ! -f $data/mnist/train-labels-idx1-ubyte.gz ]]; then
  echo "SKIP: no MNIST in $data/mnist (adamite fetch mnist)"
  exit 77
fi

# Every optimizer, except NAdam before PyTorch 2.0: its bias correction there has an extra
# factor mu (pytorch/pytorch#92699), which adamite does not copy.
optimizers=sgd,nesterov,adagrad,rmsprop,adadelta,adam,adamw,adamax,amsgrad
if "$python" -c 'import sys, torch; sys.exit(int(torch.__version__.split(".")[0]) < 2)'; then
  optimizers+=,nadam
fi
exec "$python" tools/check_pytorch_parity.py --adamite "$adamite" --steps 3 \
  --optimizers "$optimizers" --batch-norm-probe "$probe"
