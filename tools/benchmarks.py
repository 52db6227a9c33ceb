#!/usr/bin/env python3
"""Runs adamite and its peers on the same workloads and prints the side-by-side Markdown table.

    python3 tools/benchmarks.py [--build build] [--steps 20] [--models cnn,resnet20] [--out table.md]

Needs a Release build (tools/build.sh: -O3 -march=native). Each contender runs at every thread
setting and its best is reported (the settings are in the table):
  adamite      `adamite bench --json` with 1 and all cores (OMP threads)
  PyTorch      tools/bench_pytorch.py (Debian python3-torch): torch x OpenBLAS threads
  dlib         build/bench_dlib (built when libdlib-dev is installed): OpenBLAS threads
and the GEMM peak, `adamite bench --model gemm`, with oneDNN and with Eigen. Then mixed precision
(--precision-models, default mlp,cnn): adamite fp32 and bf16, PyTorch fp32 and under
torch.autocast("cpu", bfloat16), each at its best thread setting, with the fp32 and bf16 GEMM
peaks and the CPU's AVX-512/AMX flags. Run it on a quiet machine: anything else running skews
every number. Where the machine's speed drifts (a shared host), --rounds N measures every
contender N times in turn and reports the median, and each ratio as its median with the range of
the N ratios taken within one round (paired, so a slow minute slows both sides).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

MODELS = ["logreg", "mlp", "cnn", "vae", "resnet20"]
# Models whose step takes milliseconds get more steps: 20 steps of the MLP are 0.1 s, and on a
# 2-core host such short runs moved by 20-40% between sittings (400 steps: about 5%).
MIN_STEPS = {"logreg": 400, "mlp": 400, "vae": 200}
TORCH_PYTHON = "/usr/bin/python3"  # Debian's python3-torch lives there, whatever python is first


def run_json(command, env=None):
    out = subprocess.run(command, env={**os.environ, **(env or {})}, capture_output=True,
                         text=True)
    if out.returncode != 0:
        return None, out.returncode, out.stderr.strip()
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")], 0, ""


def best_by_model(results):
    best = {}
    for r in results:
        if r["model"] not in best or r["samples_per_second"] > best[r["model"]]["samples_per_second"]:
            best[r["model"]] = r
    return best


def median_result(rounds, name):
    """The round's result whose samples/s is the median of the rounds' (for an even count, the
    lower of the two middle ones: a table cell is one measured run, never an average)."""
    found = sorted((r[name] for r in rounds if name in r), key=lambda x: x["samples_per_second"])
    return found[(len(found) - 1) // 2] if found else None


def ratio_over_rounds(rounds_a, rounds_b, name):
    """a / b within each round: "1.23x" for one round, "1.23x (1.18-1.27x, 3 rounds)" for more."""
    ratios = [a[name]["samples_per_second"] / b[name]["samples_per_second"]
              for a, b in zip(rounds_a, rounds_b) if name in a and name in b]
    if not ratios:
        return "-"
    middle = statistics.median(ratios)
    if len(ratios) == 1:
        return f"{middle:.2f}x"
    return f"{middle:.2f}x ({min(ratios):.2f}-{max(ratios):.2f}x, {len(ratios)} rounds)"


def cpu_flags():
    """The CPU's AVX-512 and AMX flags, as /proc/cpuinfo lists them."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return " ".join(sorted(x for x in line.split(":", 1)[1].split()
                                           if x.startswith(("avx512", "amx"))))
    except OSError:
        pass
    return ""


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of " + ", ".join(MODELS))
    parser.add_argument("--precision-models", default="mlp,cnn",
                        help="models of the fp32-against-bf16 table ('' for none)")
    parser.add_argument("--out", help="also write the table to this file")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every contender this many times in turn (see above)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"--models: unknown {', '.join(unknown)} (known: {', '.join(MODELS)})")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    adamite = os.path.join(args.build, "adamite")
    cores = len(os.sched_getaffinity(0))  # the cores this process may use (taskset, cgroups)
    threads = sorted({1, cores})
    def steps(name):
        return str(max(args.steps, MIN_STEPS.get(name, 0)))
    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.append(text)

    def one_round():
        # One process per model and setting, so that each peak RSS is that model's alone.
        ours = []
        for name in models:
            for t in threads:
                results, code, err = run_json([adamite, "bench", "--model", name, "--threads",
                                               str(t), "--steps", steps(name), "--json"])
                if results is None:
                    sys.exit(f"adamite bench failed ({code}): {err}")
                ours += results

        torch, code, err = [], 0, ""
        for name in models:
            results, code, err = run_json([TORCH_PYTHON,
                                           os.path.join(root, "tools", "bench_pytorch.py"),
                                           "--json", "--steps", steps(name), "--model", name])
            if results is None:
                torch = None
                break
            torch += results
        note = "" if torch else (f"PyTorch not measured (exit {code}: "
                                 f"{err.splitlines()[-1] if err else ''})")

        dlib = []
        dlib_binary = os.path.join(args.build, "bench_dlib")
        if os.path.exists(dlib_binary):
            for name in [m for m in models if m in ("logreg", "mlp", "cnn")]:  # no VAE, ResNet
                for t in threads:
                    r, _, _ = run_json([dlib_binary, "--model", name, "--steps", steps(name),
                                        "--json"], {"OPENBLAS_NUM_THREADS": str(t)})
                    for x in r or []:
                        x["setting"] = f"OpenBLAS {t}"
                    dlib += r or []
        return best_by_model(ours), best_by_model(torch) if torch else {}, best_by_model(dlib), note

    rounds = [one_round() for _ in range(args.rounds)]
    ours_rounds, torch_rounds, dlib_rounds = ([r[i] for r in rounds] for i in range(3))
    torch_note = rounds[-1][3]
    ours = {name: median_result(ours_rounds, name) for name in models}
    torch = {name: median_result(torch_rounds, name) for name in models}
    dlib = {name: median_result(dlib_rounds, name) for name in models}
    # Each round's best peer, for the paired ratio.
    peer_rounds = [{name: max((x for x in (t.get(name), d.get(name)) if x),
                              key=lambda x: x["samples_per_second"])
                    for name in models if t.get(name) or d.get(name)}
                   for t, d in zip(torch_rounds, dlib_rounds)]

    peaks = {}
    for kernel in ["onednn", "eigen"]:
        r, _, _ = run_json([adamite, "bench", "--model", "gemm", "--json"],
                           {"ADAMITE_GEMM": kernel})
        if r:
            peaks[r[0]["matmul"]] = r[0]["gflops"]

    more = ", ".join(f"{n} {max(args.steps, k)}" for n, k in MIN_STEPS.items() if n in models)
    rounds_note = (f"; {args.rounds} rounds in turn, medians, ratios within a round"
                   if args.rounds > 1 else "")
    say(f"Machine: {cpu_name()}, {cores} cores; batch 128, Adam, {args.steps} timed steps after 3 "
        f"warm-up{f' ({more})' if more else ''}; each contender at its best thread setting"
        f"{rounds_note}.")
    say()
    say("| workload | adamite samples/s (GFLOP/s) | PyTorch samples/s | dlib samples/s | "
        "adamite / best peer | peak RSS adamite / PyTorch / dlib (MB) |")
    say("|---|---|---|---|---|---|")
    for name in models:
        a = ours.get(name)
        p, d = torch.get(name), dlib.get(name)
        ratio = ratio_over_rounds(ours_rounds, peer_rounds, name)
        cell = lambda x, extra="": f"{x['samples_per_second']:,.0f}{extra}" if x else "-"
        rss = " / ".join(f"{x['peak_rss_mb']:.0f}" if x else "-" for x in (a, p, d))
        say(f"| {name} | {cell(a, ' (%.0f)' % a['gflops'] if a else '')} [{a['threads']} threads]"
            f" | {cell(p)}{' [' + p['setting'] + ']' if p else ''} | "
            f"{cell(d)}{' [' + d['setting'] + ']' if d else ''} | {ratio} | {rss} |")
    say()
    say("GEMM peak (2048^3 product, all cores): " +
        ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items()))
    if torch_note:
        say(torch_note)
    if not dlib:
        say("dlib not measured (bench_dlib not built: install libdlib-dev and rebuild)")
    precision_models = [m for m in args.precision_models.split(",") if m]
    if precision_models:
        say()
        mixed_precision_table(adamite, root, precision_models, threads, steps, say, args.rounds)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0


def mixed_precision_table(adamite, root, models, threads, steps, say, rounds=1):
    """adamite and PyTorch in fp32 and bf16 (autocast), each at its best thread setting."""
    def ours(precision):
        results = []
        for name in models:
            for t in threads:
                r, code, err = run_json([adamite, "bench", "--model", name, "--threads", str(t),
                                         "--steps", steps(name), "--json", "--precision", precision])
                if r is None:
                    return {}, err.splitlines()[-1] if err else f"exit {code}"
                results += r
        return best_by_model(results), ""

    def pytorch(precision):
        results = []
        for name in models:
            r, _, _ = run_json([TORCH_PYTHON, os.path.join(root, "tools", "bench_pytorch.py"),
                                "--json", "--steps", steps(name), "--model", name,
                                "--precision", precision])
            results += r or []
        return best_by_model(results)

    # Per round: adamite fp32, adamite bf16, PyTorch fp32, PyTorch bf16.
    measured, why = [], ""
    for _ in range(rounds):
        (a32, _), (a16, why) = ours("fp32"), ours("bf16")
        measured.append((a32, a16, pytorch("fp32"), pytorch("bf16")))
    by = [[m[i] for m in measured] for i in range(4)]
    a32, a16, p32, p16 = ({name: median_result(r, name) for name in models} for r in by)
    peaks = {}
    for precision in ["fp32", "bf16"]:
        r, _, _ = run_json([adamite, "bench", "--model", "gemm", "--json", "--precision", precision])
        if r:
            peaks[precision] = r[0]["gflops"]
    say("Mixed precision (bf16 products, fp32 weights and optimizer; PyTorch: torch.autocast on "
        f"the forward pass and loss). CPU flags: {cpu_flags() or 'none'}.")
    say()
    say("| workload | adamite fp32 | adamite bf16 | PyTorch fp32 | PyTorch autocast bf16 | "
        "adamite bf16 / fp32 | adamite bf16 / PyTorch bf16 |")
    say("|---|---|---|---|---|---|---|")
    def cell(x):
        if not x:
            return "-"
        setting = x.get("setting") or f"{x['threads']} threads"
        gflops = f" ({x['gflops']:.0f})" if x.get("gflops") else ""
        return f"{x['samples_per_second']:,.0f}{gflops} [{setting}]"
    for name in models:
        a, b, c, d = a32.get(name), a16.get(name), p32.get(name), p16.get(name)
        say(f"| {name} | {cell(a)} | {cell(b)} | {cell(c)} | {cell(d)} | "
            f"{ratio_over_rounds(by[1], by[0], name)} | {ratio_over_rounds(by[1], by[3], name)} |")
    say()
    say("GEMM peak (2048^3, all cores): " +
        ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items()))
    if why:
        say(f"adamite bf16 not measured: {why}")


if __name__ == "__main__":
    sys.exit(main())
