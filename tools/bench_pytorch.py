#!/usr/bin/env python3
"""The workloads of `adamite bench` in PyTorch, for a side-by-side table on your machine.

Same models (paper MLP and CNN with their dropout, logistic regression, the Fig. 4 VAE, and
ResNet-20 from tools/resnet_torch.py), batch 128,
random inputs, Adam, the same FLOP convention (3 forward passes per step). PyTorch's speed here
depends on two thread pools (its own OpenMP threads and OpenBLAS's), which oversubscribe a small
machine at their defaults, so every combination is tried, each in a fresh process (OpenBLAS reads
its variable at load time), and the best is reported. The convolutional models (cnn, resnet20)
are also tried in channels-last memory format (NHWC: `model.to(memory_format=torch.channels_last)`
and a channels-last input), which PyTorch's oneDNN convolutions run faster on some machines: on a
2-core Zen 4, ResNet-20 trained at 462-475 samples/s channels-last against 354-372 contiguous.

    python3 tools/bench_pytorch.py [--model logreg|mlp|cnn|vae|resnet20|all] [--steps 20] [--json]
    python3 tools/bench_pytorch.py --train-cifar10 datasets/cifar10/images [--steps 10]

The second form is the PyTorch script equivalent to `adamite train --model cnn --dataset cifar10
--whiten none --max-steps 10`, for comparing peak memory: CIFAR-10 held as float32 [N, 3, 32, 32]
in [0, 1] (as adamite holds it), the paper CNN, Adam, batch 128, then the test set at batch 256.

Needs Debian's python3-torch (/usr/bin/python3). Exits 77 (skipped) without torch.
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import time

MODELS = ["logreg", "mlp", "cnn", "vae", "resnet20"]


def build(name, torch):
    nn = torch.nn
    if name == "logreg":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), (1, 28, 28)
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(784, 1000), nn.ReLU(),
                             nn.Dropout(0.5), nn.Linear(1000, 1000), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(1000, 10)), (1, 28, 28)
    if name == "cnn":
        layers, channels = [nn.Dropout(0.2)], 3
        for out in (64, 64, 128):
            layers += [nn.Conv2d(channels, out, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
            channels = out
        layers += [nn.Flatten(), nn.Linear(128 * 4 * 4, 1000), nn.ReLU(), nn.Dropout(0.5),
                   nn.Linear(1000, 10)]
        return nn.Sequential(*layers), (3, 32, 32)
    if name == "vae":
        return Vae(torch), (1, 28, 28)
    if name == "resnet20":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from resnet_torch import resnet
        return resnet(torch), (3, 32, 32)
    raise ValueError(name)


def Vae(torch):
    nn, F = torch.nn, torch.nn.functional

    class Model(nn.Module):  # 784-500 softplus -> 50-d Gaussian -> 500 softplus -> 784 Bernoulli
        def __init__(self):
            super().__init__()
            self.encoder, self.mean, self.log_variance = (nn.Linear(784, 500), nn.Linear(500, 50),
                                                          nn.Linear(500, 50))
            self.decoder_hidden, self.decoder_output = nn.Linear(50, 500), nn.Linear(500, 784)

        def loss(self, x):
            x = x.flatten(1)
            h = F.softplus(self.encoder(x))
            mean, log_variance = self.mean(h), self.log_variance(h)
            z = mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)
            logits = self.decoder_output(F.softplus(self.decoder_hidden(z)))
            reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
            kl = -0.5 * torch.sum(1 + log_variance - mean.pow(2) - log_variance.exp())
            return (reconstruction + kl) / x.shape[0]

    return Model()


def forward_flops(model, shape, torch):
    """2 x multiply-adds of one example's forward pass, counted like `adamite bench`."""
    flops = [0.0]
    if not any(isinstance(m, torch.nn.Conv2d) for m in model.modules()) and \
            not isinstance(model, torch.nn.Sequential):  # the VAE: Linear layers only
        return sum(2.0 * p.numel() for p in model.parameters() if p.dim() == 2)

    def count(layer, _, y):
        spatial = y.shape[2] * y.shape[3] if y.dim() == 4 else 1
        flops[0] += 2.0 * layer.weight.numel() * spatial

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros((1,) + shape))
    model.train()
    for hook in hooks:
        hook.remove()
    return flops[0]


CONVOLUTIONAL = {"cnn", "resnet20"}


def run_one(name, steps, warmup, batch, precision, channels_last):
    """One measurement in this process (thread settings come from the environment). bf16 runs
    the forward pass and the loss under torch.autocast("cpu", dtype=torch.bfloat16), as PyTorch's
    documentation advises (the backward pass follows the forward's precisions)."""
    import contextlib
    import resource
    import torch
    # As adamite's training does (adamite/denormals.hpp): on Intel cores a denormal operand costs
    # a microcode assist, which slowed PyTorch's VAE 20-fold on an Emerald Rapids Xeon.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    model, shape = build(name, torch)
    inputs = torch.rand((batch,) + shape)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    labels = torch.randint(0, 10, (batch,))
    forward = backward = update = 0.0
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        adam.zero_grad(set_to_none=False)
        with (torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16"
              else contextlib.nullcontext()):
            if name == "vae":
                loss = model.loss(inputs)
            else:
                loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        adam.step()
        t3 = time.perf_counter()
        if step >= warmup:
            forward, backward, update = forward + t1 - t0, backward + t2 - t1, update + t3 - t2
    seconds = forward + backward + update
    rate = steps * batch / seconds
    return {"model": name, "precision": precision, "channels_last": channels_last,
            "torch_threads": torch.get_num_threads(),
            "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
            "samples_per_second": round(rate, 1),
            "gflops": round(3 * forward_flops(model, shape, torch) * rate / 1e9, 1),
            "forward_ms": round(forward / steps * 1e3, 3),
            "backward_ms": round(backward / steps * 1e3, 3),
            "optimizer_ms": round(update / steps * 1e3, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "torch_version": torch.__version__}


def train_cifar10(root, steps, batch, hold_bytes):
    """Peak RSS of training the paper CNN on CIFAR-10 read from the JPEG class-folder tree.

    The images are held as float32, or with hold_bytes as uint8 converted per batch (as adamite
    holds them)."""
    import resource
    import numpy as np
    import torch
    from PIL import Image

    def load(split):
        classes = sorted(os.listdir(os.path.join(root, split)))
        files = [(os.path.join(root, split, c, f), label) for label, c in enumerate(classes)
                 for f in sorted(os.listdir(os.path.join(root, split, c)))]
        dtype = torch.uint8 if hold_bytes else torch.float32
        inputs = torch.empty((len(files), 3, 32, 32), dtype=dtype)
        for i, (path, _) in enumerate(files):
            pixels = np.asarray(Image.open(path).convert("RGB"))
            if not hold_bytes:
                pixels = pixels.astype(np.float32) / 255.0
            inputs[i] = torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))
        return inputs, torch.tensor([label for _, label in files])

    def as_float(x):
        return x.float() / 255.0 if hold_bytes else x

    start = time.perf_counter()
    train_x, train_y = load("train")
    test_x, test_y = load("test")
    torch.manual_seed(0)
    model, _ = build("cnn", torch)
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(train_y))
    model.train()
    for step in range(steps):
        index = order[step * batch:(step + 1) * batch]
        adam.zero_grad()
        torch.nn.functional.cross_entropy(model(as_float(train_x[index])), train_y[index]).backward()
        adam.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test_y), 256):
            correct += (model(as_float(test_x[i:i + 256])).argmax(1) == test_y[i:i + 256]).sum().item()
    print(json.dumps({"workload": "train cnn cifar10", "steps": steps, "batch": batch,
                      "images_held_as": "uint8" if hold_bytes else "float32",
                      "test_accuracy": correct / len(test_y),
                      "seconds": round(time.perf_counter() - start, 1),
                      "torch_threads": torch.get_num_threads(),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                           / 1024, 1)}))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="all", choices=MODELS + ["all"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", action="store_true", help="one JSON object per model")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                        help="bf16: forward and loss under torch.autocast(\"cpu\", bfloat16)")
    parser.add_argument("--train-cifar10", metavar="DIR",
                        help="train the paper CNN on this CIFAR-10 image tree; print peak RSS")
    parser.add_argument("--hold-bytes", action="store_true",
                        help="with --train-cifar10: hold the images as uint8, converted per batch")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process
    parser.add_argument("--channels-last", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.train_cifar10:
        return train_cifar10(args.train_cifar10, args.steps, args.batch_size, args.hold_bytes)
    if args.one:
        print(json.dumps(run_one(args.model, args.steps, args.warmup, args.batch_size,
                                 args.precision, args.channels_last)))
        return 0
    try:
        import torch  # noqa: F401  (only to find out whether it is there)
    except ImportError:
        print("bench_pytorch: python3-torch is not installed (apt install python3-torch); skipped",
              file=sys.stderr)
        return 77

    cores = len(os.sched_getaffinity(0))  # the cores this process may use (taskset, cgroups)
    thread_counts = sorted({1, cores})
    # (torch threads, OpenBLAS threads); None keeps PyTorch's default (all cores for both).
    settings = [(None, None)] + list(itertools.product(thread_counts, thread_counts))
    if not args.json:
        print(f"PyTorch {args.precision}, batch {args.batch_size}, {args.steps} steps after "
              f"{args.warmup} warm-up; "
              f"best of {len(settings)} thread settings (torch threads x OpenBLAS threads), "
              "convolutional models also channels-last")
    for name in MODELS if args.model == "all" else [args.model]:
        results = []
        formats = [False, True] if name in CONVOLUTIONAL else [False]
        for (torch_threads, blas_threads), channels_last in itertools.product(settings, formats):
            env = dict(os.environ)
            if torch_threads is not None:
                env["OMP_NUM_THREADS"] = str(torch_threads)
                env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
            out = subprocess.run([sys.executable, __file__, "--one", "--model", name,
                                  "--steps", str(args.steps), "--warmup", str(args.warmup),
                                  "--batch-size", str(args.batch_size),
                                  "--precision", args.precision]
                                 + (["--channels-last"] if channels_last else []),
                                 env=env, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            result["setting"] = ("default" if torch_threads is None
                                 else f"torch {torch_threads} x OpenBLAS {blas_threads}")
            if channels_last:
                result["setting"] += ", channels-last"
            results.append(result)
        best = max(results, key=lambda r: r["samples_per_second"])
        default = results[0]
        if args.json:
            best["default_samples_per_second"] = default["samples_per_second"]
            print(json.dumps(best))
        else:
            print(f"{name:8} {best['samples_per_second']:8.1f} samples/s  {best['gflops']:6.1f} "
                  f"GFLOP/s  step {best['forward_ms'] + best['backward_ms'] + best['optimizer_ms']:7.2f}"
                  f" ms = forward {best['forward_ms']:.2f} + backward {best['backward_ms']:.2f} + "
                  f"adam {best['optimizer_ms']:.2f}  peak RSS {best['peak_rss_mb']:.0f} MB  "
                  f"[{best['setting']}; default setting {default['samples_per_second']:.1f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
