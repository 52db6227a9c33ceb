#!/usr/bin/env python3
"""ResNet for CIFAR in PyTorch, the same network as adamite's `models::resnet` under the same
(torchvision's) parameter names, and a check that PyTorch scores adamite's weights as adamite does.

    /usr/bin/python3 tools/resnet_torch.py WEIGHTS.safetensors CIFAR10_IMAGES [--whiten standardize]

loads `adamite train --model resnet20 --save WEIGHTS.safetensors` into the PyTorch network
(load_state_dict, strict) and prints its test accuracy on CIFAR10_IMAGES/test/<class>/*.jpg (the
tree `adamite fetch cifar10` makes). --whiten must be what training used: none (x/255), or
standardize (per-channel mean and standard deviation of the training images, as adamite fits them).
PIL (libjpeg) and adamite (stb_image) decode JPEG slightly differently (about 7% of the CIFAR-10
mirror's pixel values differ, by at most 3 of 255), so scores on a JPEG tree may differ by a few
images; on PNG copies of the pixels adamite decoded, they are equal (docs/resnet20.md).
--official RECORDS (e.g. the mirror's cifar-10-binary-prefix/test_batch.first846.bin: the first
records of the official test_batch.bin) also scores those original pixels and, image for image,
their JPEG copies in the tree (record i of class c is test/<c>/<k>.jpg, k counting that class's
records before it): what the mirror's JPEG compression costs the model.
`bench_pytorch.py --model resnet20` times the same network.

Needs Debian's python3-torch and python3-pil (/usr/bin/python3). Exits 77 (skipped) without torch.
"""
import argparse
import os
import sys

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def resnet(torch, blocks_per_stage=3, classes=10, channels=3):
    """He et al. 2016 §4.2: 6n+2 layers, 16/32/64 channels, option-B projections (1x1 conv + BN)."""
    nn, F = torch.nn, torch.nn.functional

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            return F.relu(y + (x if self.downsample is None else self.downsample(x)))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            cin = 16
            for stage in range(3):
                cout = 16 << stage
                blocks = []
                for b in range(blocks_per_stage):
                    blocks.append(BasicBlock(cin, cout, 2 if b == 0 and stage > 0 else 1))
                    cin = cout
                setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
            self.fc = nn.Linear(cin, classes)
            for m in self.modules():  # torchvision's initialisation, as models::resnet
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    return ResNet()


def read_split(root, split, np, Image):
    images, labels = [], []
    for label, name in enumerate(CLASSES):
        folder = os.path.join(root, split, name)
        for file in sorted(os.listdir(folder)):
            if file.lower().endswith((".jpg", ".jpeg", ".png")):
                images.append(np.asarray(Image.open(os.path.join(folder, file)).convert("RGB")))
                labels.append(label)
    x = np.stack(images).transpose(0, 3, 1, 2).astype(np.float32) / 255.0  # [N, 3, 32, 32]
    return x, np.array(labels)


def read_official(path, root, np, Image):
    """The records of an official CIFAR-10 batch file (1 label byte + 3072 planar pixel bytes) and
    the same images from the JPEG tree, as ([N, 3, 32, 32] originals, JPEG copies, labels)."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % 3073 != 0:
        raise SystemExit(f"{path}: {raw.size} bytes is not a whole number of 3073-byte records")
    raw = raw.reshape(-1, 3073)
    labels = raw[:, 0].astype(np.int64)
    if labels.max() >= len(CLASSES):
        raise SystemExit(f"{path}: label {labels.max()} at record {labels.argmax()} is not 0..9")
    seen = [0] * len(CLASSES)
    copies = []
    for label in labels:
        file = os.path.join(root, "test", CLASSES[label], f"{seen[label]:04d}.jpg")
        copies.append(np.asarray(Image.open(file).convert("RGB")).transpose(2, 0, 1))
        seen[label] += 1
    originals = raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    return originals, np.stack(copies).astype(np.float32) / 255.0, labels


def right(torch, model, x, y):
    """Per image, whether `model` predicts its label y (images x)."""
    with torch.no_grad():
        return [bool(r) for begin in range(0, len(x), 500)
                for r in model(torch.from_numpy(x[begin:begin + 500])).argmax(1).numpy()
                == y[begin:begin + 500]]


def import_torch(program):
    """(numpy, torch, PIL.Image), or None after saying which is missing (the caller exits 77)."""
    try:
        import numpy as np
        import torch
        from PIL import Image
    except ImportError as e:
        print(f"{program}: {e.name} is not installed (apt install python3-torch python3-pil); "
              "skipped", file=sys.stderr)
        return None
    return np, torch, Image


def standardize(np, train, *others):
    """Each array minus the training images' per-channel mean, over their deviation, as adamite's
    `--whiten standardize` fits them: returns (train, *others) as float32."""
    mean = train.astype(np.float64).mean(axis=(0, 2, 3))[None, :, None, None]
    std = train.astype(np.float64).std(axis=(0, 2, 3))[None, :, None, None]
    return tuple(((x - mean) / std).astype(np.float32) for x in (train, *others))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights")
    parser.add_argument("images", help="the CIFAR-10 image tree (with test/<class>/ folders)")
    parser.add_argument("--whiten", choices=["none", "standardize"], default="none")
    parser.add_argument("--official", metavar="RECORDS",
                        help="official test_batch.bin records to score beside their JPEG copies")
    args = parser.parse_args()
    modules = import_torch("resnet_torch")
    if modules is None:
        return 77
    np, torch, Image = modules
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from safetensors_torch import load_file

    model = resnet(torch)
    state = load_file(args.weights)
    # adamite keeps num_batches_tracked as a float scalar; PyTorch's is int64 (copy_ converts).
    model.load_state_dict(state, strict=True)
    model.eval()
    x, y = read_split(args.images, "test", np, Image)
    official = read_official(args.official, args.images, np, Image) if args.official else None
    if args.whiten == "standardize":
        train, _ = read_split(args.images, "train", np, Image)
        x = standardize(np, train, x)[1]
        if official:
            official = (*standardize(np, train, official[0], official[1])[1:], official[2])
    correct = sum(right(torch, model, x, y))
    print(f"PyTorch {torch.__version__}: test accuracy {100.0 * correct / len(x):.2f}% "
          f"({correct}/{len(x)}) with {args.weights}")
    if official:
        labels = official[2]
        on_originals, on_copies = (right(torch, model, images, labels) for images in official[:2])
        n = len(labels)
        for what, hits in (("official pixels", on_originals), ("their JPEG copies", on_copies)):
            print(f"  {what}: {100.0 * sum(hits) / n:.2f}% ({sum(hits)}/{n}) of "
                  f"{args.official}'s records")
        # The discordant pairs, for a paired (McNemar) test of the difference.
        only_originals = sum(a and not b for a, b in zip(on_originals, on_copies))
        only_copies = sum(b and not a for a, b in zip(on_originals, on_copies))
        print(f"  right only on the original: {only_originals}, only on the JPEG copy: {only_copies}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
