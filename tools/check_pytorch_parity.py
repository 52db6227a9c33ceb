#!/usr/bin/env python3
"""Checks that adamite's optimizers take the same steps as PyTorch's.

For each optimizer: build the model in torch, save its initial weights, let `adamite train` run
K steps from them (--init) on MNIST in file order, run the same K steps in torch on the same
batches, then compare the two sets of weights. Prints a table; exits 0 when every optimizer
agrees (largest weight difference within the tolerance, and at most 0.1% of the weights off by
more than 1e-5) and the first step's training loss agrees to 1e-5, 1 otherwise (2 on a bad
command line).

    python3 tools/check_pytorch_parity.py [--adamite build/adamite] [--model mlp|logreg|cnn]
        [--steps 5] [--optimizers adam,sgd,...] [--tolerance 1e-4]

Data come from $ADAMITE_DATA/mnist (default ./datasets), as adamite reads them.
Dropout is switched off on both sides (--dropout 0 --input-dropout 0, nn.Dropout(0)): the two
frameworks draw different random masks, so with dropout no step could match.
With --batch-norm-probe PATH (the tests' batch_norm_probe program) it first checks BatchNorm1d
and BatchNorm2d on random inputs: in training and then evaluation mode, the outputs, the
gradients of x, weight and bias, and the updated running statistics equal PyTorch's (each within
BATCH_NORM_TOLERANCE of the largest value of its tensor, or of 1); and the state adamite saves
(running_mean, running_var, num_batches_tracked) loads into torch.nn.BatchNorm*d with
load_state_dict(strict=True).
Standard library + numpy + torch only.
"""
import argparse
import csv
import gzip
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_torch import load_file, save_file  # noqa: E402

# name: (adamite flags, torch optimizer factory), with every hyper-parameter explicit and equal on
# both sides (the two libraries' defaults differ, e.g. RMSProp's rho 0.9 vs alpha 0.99).
OPTIMIZERS = {
    "sgd": (["--lr", "0.1", "--momentum", "0"],
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.0)),
    "nesterov": (["--lr", "0.05", "--momentum", "0.9"],
                 lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0, nesterov=True)),
    "adagrad": (["--lr", "0.01", "--eps", "1e-10"],
                lambda p: torch.optim.Adagrad(p, lr=0.01, eps=1e-10, lr_decay=0,
                                              initial_accumulator_value=0)),
    "rmsprop": (["--lr", "0.001", "--rho", "0.9", "--eps", "1e-8", "--momentum", "0"],
                lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9, eps=1e-8, momentum=0,
                                              centered=False)),
    "adadelta": (["--lr", "1", "--rho", "0.95", "--eps", "1e-6"],
                 lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-6)),
    "adam": (["--lr", "0.001", "--beta1", "0.9", "--beta2", "0.999", "--eps", "1e-8"],
             lambda p: torch.optim.Adam(p, lr=0.001, betas=(0.9, 0.999), eps=1e-8)),
    "adamw": (["--lr", "0.001", "--beta1", "0.9", "--beta2", "0.999", "--eps", "1e-8",
               "--weight-decay", "0.01"],
              lambda p: torch.optim.AdamW(p, lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                                          weight_decay=0.01)),
    # adamite's AdaMax has no eps (no update where u = 0); PyTorch adds eps to |g| inside the max
    # and divides by it. eps=0 would give 0/0 = NaN for weights whose gradient is always 0 (the
    # blank border pixels of MNIST); a tiny eps changes nothing else, since |g| + 1e-30 == |g| in
    # float32 for any |g| above ~1e-23.
    "adamax": (["--lr", "0.002", "--beta1", "0.9", "--beta2", "0.999"],
               lambda p: torch.optim.Adamax(p, lr=0.002, betas=(0.9, 0.999), eps=1e-30)),
    # adamite's Nadam keeps mu_t = beta1 for every t. PyTorch computes
    # mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)): momentum_decay=0 gives beta1 / 2,
    # not beta1; only momentum_decay=inf gives mu_t = beta1. PyTorch < 2.0 also has an extra
    # factor mu_t in the second term's bias correction (fixed by pytorch/pytorch#92699), so
    # there the two disagree by ~1e-2 after 5 steps (see NADAM_NOTE).
    "nadam": (["--lr", "0.002", "--beta1", "0.9", "--beta2", "0.999", "--eps", "1e-8"],
              lambda p: torch.optim.NAdam(p, lr=0.002, betas=(0.9, 0.999), eps=1e-8,
                                          momentum_decay=float("inf"))),
    "amsgrad": (["--lr", "0.001", "--beta1", "0.9", "--beta2", "0.999", "--eps", "1e-8"],
                lambda p: torch.optim.Adam(p, lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                                           amsgrad=True)),
}

# AdaGrad's and RMSProp's first steps are lr * g / (|g| + eps) and lr * g / (sqrt(1-rho)|g| + eps):
# for a weight whose true gradient cancels to about eps (1e-10, 1e-8), float32 rounding (which
# differs with the summation order) changes g by a comparable amount, hence the step by up to
# the order of lr. Measured: 0.22 lr (adagrad) and 0.15 lr (rmsprop) on 7 of the MLP's 1.8M
# weights. Their largest difference may therefore reach lr; a real difference in formulation
# would move most weights, which the second criterion (the share off by > 1e-5) catches.
MAX_DIFF_IS_LR = {"adagrad": 0.01, "rmsprop": 0.001}
MAX_SHARE_OFF = 1e-3  # at most 0.1% of the weights may differ by more than 1e-5

NADAM_NOTE = ("nadam: PyTorch < 2.0 computes NAdam's mu_product_next as mu_product * mu * "
              "mu_next (one mu too many; fixed in 2.0 by pytorch/pytorch#92699); adamite "
              "follows the fixed formula, so it matches only PyTorch >= 2.0.")


# BatchNorm parity: (module, input shape, eps, momentum). Odd sizes and non-default eps and
# momentum, so that no mix-up of dimensions or constants can pass.
BATCH_NORM_CASES = [
    (nn.BatchNorm1d, (16, 5), 1e-5, 0.1),
    (nn.BatchNorm1d, (6, 4, 7), 1e-3, 0.3),
    (nn.BatchNorm2d, (4, 3, 5, 6), 1e-5, 0.1),
    (nn.BatchNorm2d, (2, 8, 3, 3), 1e-2, 0.25),
]
# float32 sums in another order: measured at most 1.7e-7 of the largest value (these cases, seed 0,
# PyTorch 1.13 on x86-64).
BATCH_NORM_TOLERANCE = 1e-5


def batch_norm_torch(module, x, grad_y):
    """{"train.y": ..., "eval.grad_x": ...}: what batch_norm_probe writes, computed by torch."""
    results = {}
    for training in (True, False):
        mode = "train." if training else "eval."
        module.train(training)
        module.zero_grad()
        x_leaf = x.clone().requires_grad_(True)
        y = module(x_leaf)
        (y * grad_y).sum().backward()
        # Copies: zero_grad() may zero these very tensors in place before the next pass.
        results.update({mode + "y": y.detach(), mode + "grad_x": x_leaf.grad,
                        mode + "grad_weight": module.weight.grad.clone(),
                        mode + "grad_bias": module.bias.grad.clone()})
        results.update({mode + name: buffer.clone() for name, buffer in module.named_buffers()})
    return results


def check_batch_norm(probe, tmp):
    """Runs every BATCH_NORM_CASES case through `probe` and torch; returns the names of the
    cases that differ."""
    print(f"{'BatchNorm case':<46} {'max|Δ|/scale':>12}  {'worst tensor':<22} result")
    failed = []
    for index, (kind, shape, eps, momentum) in enumerate(BATCH_NORM_CASES):
        name = f"{kind.__name__}{list(shape)} eps={eps:g} momentum={momentum:g}"
        channels = shape[1]
        module = kind(channels, eps=eps, momentum=momentum)
        with torch.no_grad():  # a state far from the defaults
            module.weight.copy_(torch.rand(channels) + 0.5)
            module.bias.copy_(torch.randn(channels))
            module.running_mean.copy_(torch.randn(channels))
            module.running_var.copy_(torch.rand(channels) + 0.5)
            module.num_batches_tracked.fill_(3)
        x = torch.randn(shape) * 2 + 0.5
        grad_y = torch.randn(shape)
        files = [os.path.join(tmp, f"bn{index}.{part}.safetensors")
                 for part in ("state", "inputs", "out", "out-state")]
        save_file(module.state_dict(), files[0])
        save_file({"x": x, "grad_y": grad_y}, files[1],
                  metadata={"eps": repr(eps), "momentum": repr(momentum)})
        result = subprocess.run([probe, *files], capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{probe} failed ({result.returncode}): {result.stdout}{result.stderr}")
        theirs = batch_norm_torch(module, x, grad_y)
        ours = load_file(files[2])
        if ours.keys() != theirs.keys():
            sys.exit(f"batch_norm_probe wrote {sorted(ours)}, torch has {sorted(theirs)}")
        worst, worst_name = 0.0, ""
        for key, reference in theirs.items():
            reference = reference.double()
            scale = max(reference.abs().max().item(), 1.0)
            difference = (ours[key].double() - reference).abs().max().item() / scale
            difference = math.inf if math.isnan(difference) else difference
            if difference >= worst:
                worst, worst_name = difference, key
        # adamite's saved state, as torch loads it: strict, so every name must be torch's own.
        loaded = kind(channels, eps=eps, momentum=momentum)
        try:
            loaded.load_state_dict(load_file(files[3]), strict=True)
            state_ok = all(torch.equal(value, loaded.state_dict()[key].to(value.dtype)) or
                           torch.allclose(value.double(), loaded.state_dict()[key].double(),
                                          rtol=0, atol=BATCH_NORM_TOLERANCE)
                           for key, value in module.state_dict().items())
        except RuntimeError as error:
            print(f"  load_state_dict refused adamite's state: {error}")
            state_ok = False
        ok = worst <= BATCH_NORM_TOLERANCE and state_ok
        failed += [] if ok else [name]
        print(f"{name:<46} {worst:12.1e}  {worst_name:<22} "
              f"{'ok' if ok else 'DIFFERENT'}{'' if state_ok else ' (saved state)'}", flush=True)
    print()
    return failed


def torch_model(name):
    """The torch.nn.Sequential whose state_dict names and shapes are adamite's (MNIST input)."""
    if name == "logreg":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    if name == "mlp":  # Dropout(0): the identity, kept so the indices (names) match
        return nn.Sequential(nn.Flatten(), nn.Dropout(0), nn.Linear(784, 1000), nn.ReLU(),
                             nn.Dropout(0), nn.Linear(1000, 1000), nn.ReLU(), nn.Dropout(0),
                             nn.Linear(1000, 10))
    if name == "cnn":  # 28x28 -> 14 -> 7 -> 4 after the three poolings
        layers, channels = [nn.Dropout(0)], 1
        for out in (64, 64, 128):
            layers += [nn.Conv2d(channels, out, 5, padding=2), nn.ReLU(),
                       nn.MaxPool2d(3, stride=2, padding=1)]
            channels = out
        layers += [nn.Flatten(), nn.Linear(128 * 4 * 4, 1000), nn.ReLU(), nn.Dropout(0),
                   nn.Linear(1000, 10)]
        return nn.Sequential(*layers)
    raise ValueError(name)


def read_idx(path):
    """A gzip IDX file (the MNIST format) as a numpy uint8 array of its shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]  # magic: 0, 0, type (0x08 = unsigned byte), number of dimensions
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist_batches(data_dir, steps, batch_size):
    """The first `steps` training batches in file order (adamite --no-shuffle), as adamite
    scales them: float32(v) / 255.0f for each byte v, shape [B, 1, 28, 28]."""
    n = steps * batch_size
    images = read_idx(os.path.join(data_dir, "mnist", "train-images-idx3-ubyte.gz"))[:n]
    labels = read_idx(os.path.join(data_dir, "mnist", "train-labels-idx1-ubyte.gz"))[:n]
    table = np.arange(256, dtype=np.float32) / np.float32(255)  # exactly adamite's table
    x = torch.from_numpy(table[images].reshape(-1, 1, 28, 28))
    y = torch.from_numpy(labels.astype(np.int64))
    return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, n, batch_size)]


def run_adamite(args, name, flags, steps, init, out, log):
    """`adamite train` for `steps` steps from `init`; returns its CSV log's train_loss (the
    mean over the steps)."""
    command = [args.adamite, "train", "--model", args.model, "--dataset", "mnist",
               "--optimizer", name, *flags, "--dropout", "0", "--input-dropout", "0",
               "--no-shuffle", "--max-steps", str(steps), "--epochs", "1",
               "--batch-size", str(args.batch_size), "--threads", "1",
               "--init", init, "--save", out, "--log", log]
    result = subprocess.run(command, capture_output=True, text=True,
                            env=dict(os.environ, ADAMITE_DATA=args.data))
    if result.returncode != 0:
        sys.exit(f"adamite failed ({result.returncode}): {' '.join(command)}\n"
                 f"{result.stdout}{result.stderr}")
    with open(log) as f:
        return float(list(csv.DictReader(f))[-1]["train_loss"])


def run_torch(args, make_optimizer, init, batches):
    """The same steps in torch; returns (final state_dict, loss of each step)."""
    model = torch_model(args.model)
    model.load_state_dict(init)
    model.train()  # as adamite trains; Dropout(0) is the identity either way
    optimizer = make_optimizer(model.parameters())
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)  # the mean over the batch
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model.state_dict(), losses


def compare(ours, theirs):
    """(max |Δ| over all parameters, max over parameters of max|Δ| / max|w|, the share of
    weights with |Δ| > 1e-5)."""
    if ours.keys() != theirs.keys():
        sys.exit(f"parameter names differ: {sorted(ours)} vs {sorted(theirs)}")
    abs_diff = rel_diff = 0.0
    off = total = 0
    for name, mine in ours.items():
        delta = (mine.double() - theirs[name].double()).abs()
        worst = delta.max().item()
        worst = math.inf if math.isnan(worst) else worst  # max() would drop a NaN
        abs_diff = max(abs_diff, worst)
        rel_diff = max(rel_diff, worst / max(mine.abs().max().item(), 1e-30))
        off += int((delta > 1e-5).sum())
        total += delta.numel()
    return abs_diff, rel_diff, off / total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adamite", default="build/adamite", help="the adamite program")
    parser.add_argument("--model", default="mlp", choices=["mlp", "logreg", "cnn"])
    parser.add_argument("--steps", type=int, default=5, help="optimizer steps K (default 5)")
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS),
                        help="comma-separated (default: all)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0, help="torch seed of the initial weights")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest max|Δw| accepted after the K steps (default 1e-4; adagrad "
                             "and rmsprop accept up to their lr, see MAX_DIFF_IS_LR)")
    parser.add_argument("--batch-norm-probe", help="the tests' batch_norm_probe program: check "
                        "BatchNorm1d/2d against torch first")
    args = parser.parse_args()
    names = [n for n in args.optimizers.split(",") if n]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown or args.steps < 1:
        parser.error(f"unknown optimizers {unknown}" if unknown else "--steps must be >= 1")
    args.adamite = os.path.abspath(args.adamite)
    args.data = os.path.abspath(os.environ.get("ADAMITE_DATA") or "datasets")
    if not os.access(args.adamite, os.X_OK):
        parser.error(f"no adamite program at {args.adamite} (--adamite PATH)")
    if not os.path.exists(os.path.join(args.data, "mnist", "train-images-idx3-ubyte.gz")):
        parser.error(f"no MNIST in {args.data}/mnist (set ADAMITE_DATA; adamite fetch mnist)")
    torch.set_num_threads(1)  # the result does not depend on it; be gentle with the machine
    torch.manual_seed(args.seed)

    batches = mnist_batches(args.data, args.steps, args.batch_size)
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        batch_norm_failed = []
        if args.batch_norm_probe:
            batch_norm_failed = check_batch_norm(os.path.abspath(args.batch_norm_probe), tmp)
        init_file = os.path.join(tmp, "init.safetensors")
        save_file(torch_model(args.model).state_dict(), init_file)
        init = load_file(init_file)  # what adamite starts from, bit for bit

        # The first step's loss depends only on the weights and the batch: one 1-step run.
        first_ours = run_adamite(args, "sgd", ["--lr", "0.01"], 1, init_file,
                                 os.path.join(tmp, "first.safetensors"),
                                 os.path.join(tmp, "first.csv"))
        first_theirs = run_torch(args, lambda p: torch.optim.SGD(p, lr=0.01), init,
                                 batches[:1])[1][0]
        print(f"{args.model} on MNIST, batch {args.batch_size}, {args.steps} steps, "
              f"seed {args.seed}")
        first_ok = abs(first_ours - first_theirs) <= 1e-5  # measured: ~2e-7, 1-2 float32 ulps
        print(f"first-step training loss: adamite {first_ours:.8f}  torch {first_theirs:.8f}  "
              f"|Δ| {abs(first_ours - first_theirs):.1e}  (adamite logs 8 significant digits)"
              f"{'' if first_ok else '  DIFFERENT (> 1e-5)'}\n")

        print(f"{'optimizer':<10} {'max|Δw|':>9} {'max|Δw|/max|w|':>15} {'off > 1e-5':>11} "
              f"{'|Δ mean loss|':>14} {'tolerance':>10}  result")
        failed = batch_norm_failed + ([] if first_ok else ["first-step loss"])
        for name in names:
            flags, make_optimizer = OPTIMIZERS[name]
            out = os.path.join(tmp, f"{name}.safetensors")
            loss_ours = run_adamite(args, name, flags, args.steps, init_file, out,
                                    os.path.join(tmp, f"{name}.csv"))
            weights, losses = run_torch(args, make_optimizer, init, batches)
            abs_diff, rel_diff, share_off = compare(load_file(out), weights)
            tolerance = max(args.tolerance, MAX_DIFF_IS_LR.get(name, 0.0))
            ok = math.isfinite(abs_diff) and abs_diff <= tolerance and share_off <= MAX_SHARE_OFF
            failed += [] if ok else [name]
            print(f"{name:<10} {abs_diff:9.2e} {rel_diff:15.2e} {share_off:11.4%} "
                  f"{abs(loss_ours - sum(losses) / len(losses)):14.1e} {tolerance:10.0e}  "
                  f"{'ok' if ok else 'DIFFERENT'}", flush=True)
    agree = len([n for n in names if n not in failed])
    print(f"\n{agree}/{len(names)} optimizers agree (max|Δw| <= tolerance and at most "
          f"{MAX_SHARE_OFF:.1%} of the weights off by > 1e-5)"
          + (f"; different: {', '.join(failed)}" if failed else ""))
    if "nadam" in failed and int(torch.__version__.split(".")[0]) < 2:
        print(NADAM_NOTE)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
