"""Latent variables tab speed: a 10-frame interpolation between two test digits (the backend alone, and the
whole handler with its strip, animation and map), and encoding a digit drawn on the 280x280 sketchpad
(MNIST-style preprocessing + the encoder). Targets: interpolation < 100 ms, drawn digit < 50 ms.

Run from the repo root: python benchmarks/latent.py
"""
import os
import statistics
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from _common import ms, quiet_run  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from playground.device import configure_threads  # noqa: E402

configure_threads(workers=2)  # as in the app: one thread per request on this 2-core machine

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground import registry  # noqa: E402
from playground.data import mnist  # noqa: E402
from playground.tasks import latent  # noqa: E402
from playground.ui import latent_handlers as h  # noqa: E402

MODEL, REPEATS = "mnist-vae-16d", 30


def sketch() -> np.ndarray:
    """A '7' drawn with a black brush on the editor's transparent 280x280 canvas (RGBA)."""
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)
    canvas[60:80, 60:220] = (0, 0, 0, 255)
    for k in range(160):
        y, x = 80 + k, 215 - k // 2
        canvas[y:y + 18, x:x + 18] = (0, 0, 0, 255)
    return canvas


def main():
    model = registry.load(MODEL)
    images, _ = mnist("test")
    a, b = images[3:4], images[2:3]
    drawn = sketch()

    def interpolate():
        return latent.interpolate(model, a, b, 10, "slerp")

    def handler():
        return h.interpolate("VAE (beta = 1)", "16-D latent", "test digit", 3, None, None, "test digit", 2, None, None,
                             "slerp", 10)

    def encode_drawing():
        digit, _ = latent.ink_from_picture(drawn)
        return latent.encode(model, torch.as_tensor(digit)[None])

    for fn in (interpolate, handler, encode_drawing):  # warm up: caches, first-call paths
        for _ in range(3):
            fn()

    def measure():
        return ([ms(interpolate)[0] for _ in range(REPEATS)], [ms(handler)[0] for _ in range(REPEATS)],
                [ms(encode_drawing)[0] for _ in range(REPEATS)])

    (inter, whole, enc), _ = quiet_run(measure, "latent")
    med = statistics.median
    print(f"{MODEL}: 10-frame slerp interpolation {med(inter):.2f} ms (backend), {med(whole):.1f} ms (handler: strip, "
          f"animation, map); drawn digit preprocessed + encoded {med(enc):.2f} ms; medians of {REPEATS}, 1 thread")
    print("targets: interpolation < 100 ms {}, drawn digit < 50 ms {}".format(
        *("met" if ok else "MISSED" for ok in (med(whole) < 100, med(enc) < 50))))
    print(f"RESULT latent interpolation_ms={med(inter):.2f} interpolation_handler_ms={med(whole):.1f} "
          f"encode_drawing_ms={med(enc):.2f}")


if __name__ == "__main__":
    main()
