"""Trains NC's small Fashion-MNIST CNN and exports it to ONNX (opset 13).

Runs with Debian's PyTorch (python3-torch 1.13) under /usr/bin/python3 and
Debian's dataset-fashion-mnist; nothing is downloaded. Deterministic
(fixed seeds, one thread). The exported model.onnx is committed; this script
is how it was made:

    /usr/bin/python3 models/fashion_mnist/train.py [--epochs 4]

Also writes the test-set accuracy of the exported model (evaluated here in
PyTorch) to stdout. Calibration and evaluation data for NC's tests come from
the training and test sets respectively (disjoint), see data.py."""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Net(nn.Module):
    """Two conv blocks with batch norm, global pooling, a linear head."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(128, 128), nn.ReLU(),
                                  nn.Linear(128, 10))

    def forward(self, x):
        return self.head(self.features(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--out", default=os.path.join(HERE, "model.onnx"))
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    (xtr, ytr), (xte, yte) = load("train"), load("test")
    xtr, ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=4e-3, total_steps=args.epochs * (len(xtr) // 128 + 1))
    lossf = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            xb = xtr[idx]
            if epoch > 0:  # light augmentation: horizontal flips
                flip = torch.rand(len(xb)) < 0.5
                xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            opt.zero_grad()
            loss = lossf(model(xb), ytr[idx])
            loss.backward()
            opt.step()
            sched.step()
        acc = evaluate(model, xte, yte)
        print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test top-1 {acc:.2%}",
              flush=True)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), args.out,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    print(f"wrote {args.out}; test top-1 {evaluate(model, xte, yte):.2%}")


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            pred = model(torch.from_numpy(x[i:i + 1000])).argmax(1).numpy()
            correct += int((pred == y[i:i + 1000]).sum())
    return correct / len(x)


if __name__ == "__main__":
    main()
