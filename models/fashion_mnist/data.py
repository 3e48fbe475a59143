"""Fashion-MNIST from Debian's dataset-fashion-mnist, as float32 NCHW arrays
normalized to [0, 1] (the model's input convention), and int64 labels."""
import gzip
import os

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def load(split):
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(DATA, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)
    with gzip.open(os.path.join(DATA, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = images.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    return x, labels.astype(np.int64)
