"""Build the offline data folder that `PLAYGROUND_DATA_DIR` names, on a machine with internet.

    python scripts/fetch_data.py DEST [--cifar-train N --cifar-test N]

DEST gets mnist/raw and fashion-mnist/raw (torchvision's .gz files), cifar10/cifar10.npz (x_train, y_train,
x_test, y_test: uint8 NHWC images and their labels, in the official order, from torchvision's CIFAR-10 python
batches; the first N of each split when asked) and tinyshakespeare/input.txt (Karpathy's char-rnn copy).
"""
import argparse
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
TIMEOUT_S = 60


def write_cifar_npz(train, test, path: Path, n_train: int | None = None, n_test: int | None = None) -> None:
    """train / test: (images uint8 (N, 32, 32, 3), labels) in the official order; the first n of each are kept."""
    arrays = {}
    for key, (images, labels), n in (("train", train, n_train), ("test", test, n_test)):
        images, labels = np.asarray(images, dtype=np.uint8)[:n], np.asarray(labels, dtype=np.uint8)[:n]
        if images.ndim != 4 or images.shape[1:] != (32, 32, 3) or len(images) != len(labels):
            raise ValueError(f"CIFAR-10 {key}: expected (N, 32, 32, 3) images and N labels, got {images.shape}")
        arrays[f"x_{key}"], arrays[f"y_{key}"] = images, labels
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--cifar-train", type=int, help="keep the first N training images (default: all 50,000)")
    parser.add_argument("--cifar-test", type=int, help="keep the first N test images (default: all 10,000)")
    args = parser.parse_args(argv)
    from torchvision import datasets

    with tempfile.TemporaryDirectory() as tmp:
        for cls, folder in ((datasets.MNIST, "mnist"), (datasets.FashionMNIST, "fashion-mnist")):
            cls(tmp, download=True)
            raw = args.dest / folder / "raw"
            raw.mkdir(parents=True, exist_ok=True)
            for gz in (Path(tmp) / cls.__name__ / "raw").glob("*.gz"):
                shutil.copyfile(gz, raw / gz.name)
        train, test = (datasets.CIFAR10(tmp, train=split, download=True) for split in (True, False))
        write_cifar_npz((train.data, train.targets), (test.data, test.targets), args.dest / "cifar10" / "cifar10.npz",
                        args.cifar_train, args.cifar_test)
    text = args.dest / "tinyshakespeare" / "input.txt"
    text.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(SHAKESPEARE_URL, timeout=TIMEOUT_S) as response:
        text.write_bytes(response.read())
    print(f"Offline data written to {args.dest}: export PLAYGROUND_DATA_DIR={args.dest.resolve()}")


if __name__ == "__main__":
    main()
