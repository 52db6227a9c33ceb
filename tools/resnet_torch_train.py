#!/usr/bin/env python3
"""Trains resnet_torch.py's ResNet-20 in PyTorch with `adamite train`'s CIFAR recipe, on the same
image tree: a reference for what this recipe reaches on these pixels, apart from adamite.

    /usr/bin/python3 tools/resnet_torch_train.py CIFAR10_IMAGES --epochs 100 --log torch.csv

The recipe is that of docs/resnet20.md: SGD with momentum 0.9 (PyTorch's form), weight decay
5e-4 on every parameter, rate 0.1 with cosine decay to 0 by step (as adamite's `--schedule
cosine`), minibatches of 128 reshuffled each epoch (the last one partial), per-channel
standardisation by the training images' mean and deviation, then per-example random crop with
4 pixels of zero padding and a horizontal flip with probability 1/2. BatchNorm in eval mode for
the test. The images are in channels-last memory format (NHWC), which PyTorch's convolutions
follow: its faster format for this network on the machines measured (docs/benchmarks.md). Writes
one CSV row per epoch: epoch, train_loss, test_loss, test_accuracy, seconds. With --checkpoint
FILE it saves the whole state (weights, momentum, generators, epoch) there after every epoch
(written aside, then renamed over the old one) and, when FILE exists, continues from it with the
bits of an uninterrupted run, appending to the log: a 200-epoch run can be trained in pieces.
Needs Debian's python3-torch and python3-pil; exits 77 (skipped) without them.
"""
import argparse
import math
import os
import sys
import time

from resnet_torch import import_torch, read_split, resnet, standardize


def augment(torch, x, padding, generator):
    """Random crop with `padding` zero pixels each side, then a random flip, per example."""
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=generator).tolist()
    flips = torch.randint(0, 2, (n,), generator=generator).tolist()
    out = torch.empty_like(x)
    for i, ((dy, dx), flip) in enumerate(zip(offsets, flips)):
        crop = padded[i, :, dy:dy + h, dx:dx + w]
        out[i] = crop.flip(2) if flip else crop
    return out


def evaluate(torch, model, x, y):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for begin in range(0, len(x), 500):
            logits = model(x[begin:begin + 500])
            target = y[begin:begin + 500]
            loss += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(1) == target).sum())
    model.train()
    return loss / len(x), 100.0 * correct / len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("images", help="the CIFAR-10 image tree (train/ and test/<class>/)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--log", required=True, help="CSV file, one row per epoch")
    parser.add_argument("--checkpoint", help="state file saved every epoch, resumed if present")
    args = parser.parse_args()
    modules = import_torch("resnet_torch_train")
    if modules is None:
        return 77
    np, torch, Image = modules

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    train_x, train_y = read_split(args.images, "train", np, Image)
    test_x, test_y = read_split(args.images, "test", np, Image)
    # read_split's arrays are transposed views, so these tensors are already NHWC in memory; say so
    train_x, test_x = (torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
                       for x in standardize(np, train_x, test_x))
    train_y, test_y = torch.from_numpy(train_y), torch.from_numpy(test_y)

    model = resnet(torch)  # its convolutions follow the input into channels-last
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(train_x) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    step, first_epoch = 0, 1
    identity = {k: v for k, v in vars(args).items() if k != "threads"}
    if args.checkpoint and os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint)
        if state["args"] != identity:
            raise SystemExit(f"{args.checkpoint}: saved by another command ({state['args']})")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        step, first_epoch = state["step"], state["epoch"] + 1
        print(f"resuming from {args.checkpoint} after epoch {state['epoch']}", flush=True)
        with open(args.log) as log:  # rows of epochs after the checkpoint's are trained again
            rows = log.readlines()
        kept = [row for row in rows[1:] if int(row.split(",")[0]) <= state["epoch"]]
        with open(args.log, "w") as log:
            log.writelines(rows[:1] + kept)
    with open(args.log, "a" if first_epoch > 1 else "w") as log:
        if first_epoch == 1:
            log.write("epoch,train_loss,test_loss,test_accuracy,seconds\n")
        for epoch in range(first_epoch, args.epochs + 1):
            start = time.time()
            order = torch.randperm(len(train_x), generator=generator)
            loss_sum = 0.0
            for begin in range(0, len(train_x), args.batch_size):
                rows = order[begin:begin + args.batch_size]
                x = augment(torch, train_x[rows], 4, generator)
                # adamite's cosine: 0.5 (1 + cos(pi min(1, (t - 1) / T))) at step t, 1-based
                rate = args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, step / total_steps)))
                for group in optimizer.param_groups:
                    group["lr"] = rate
                loss = torch.nn.functional.cross_entropy(model(x), train_y[rows])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                loss_sum += float(loss) * len(rows)
                step += 1
            seconds = time.time() - start
            test_loss, accuracy = evaluate(torch, model, test_x, test_y)
            log.write(f"{epoch},{loss_sum / len(train_x):.6f},{test_loss:.6f},{accuracy:.2f},"
                      f"{seconds:.1f}\n")
            log.flush()
            print(f"epoch {epoch}/{args.epochs}: train loss {loss_sum / len(train_x):.4f}, "
                  f"test loss {test_loss:.4f}, test accuracy {accuracy:.2f}% ({seconds:.0f} s)",
                  flush=True)
            if args.checkpoint:  # aside, then renamed: a failed write keeps the last one
                torch.save({"args": identity, "model": model.state_dict(),
                            "optimizer": optimizer.state_dict(), "generator": generator.get_state(),
                            "torch_rng": torch.get_rng_state(), "epoch": epoch, "step": step},
                           args.checkpoint + ".tmp")
                os.replace(args.checkpoint + ".tmp", args.checkpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
