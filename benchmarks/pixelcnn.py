"""PixelCNN sampling speed: 16 digits (784 pixels each, one at a time) with the shipped model, using the
row-by-row sampler (vertical stack once per row, horizontal stack on one row per pixel) against the loop a
user would write first: the whole network on the whole image for every pixel (timed on the first two rows
of pixels and scaled to 784, as it takes minutes). Also 16 completions of a bottom half.

Run from the repo root: python benchmarks/pixelcnn.py
"""
import os
import statistics
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from _common import ms, quiet_run  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from playground.device import configure_threads  # noqa: E402

configure_threads(workers=2)  # as in the app: one thread per request on this 2-core machine

import torch  # noqa: E402

from playground import registry  # noqa: E402
from playground.models.autoregressive import _draw  # noqa: E402

N, REPEATS, NAIVE_PIXELS = 16, 3, 56


def naive(model, n: int, pixels: int, seed: int = 0) -> torch.Tensor:
    """The first `pixels` pixels of n digits, each drawn from a full forward pass over the whole image."""
    g, x = torch.Generator().manual_seed(seed), torch.zeros(n, 1, 28, 28)
    with torch.no_grad():
        for i in range(pixels):
            r, c = divmod(i, 28)
            x[:, 0, r, c] = _draw(model(x)[:, 0, r, c], 1.0, g)
    return x


def main():
    model = registry.load("mnist-pixelcnn")
    bottom = torch.zeros(N, 1, 28, 28, dtype=torch.bool)
    bottom[:, :, 14:] = True

    def sample():
        return model.sample(N, generator=torch.Generator().manual_seed(0))

    def complete():
        for *_, x in model.sample_steps(N, generator=torch.Generator().manual_seed(0), x=torch.zeros(N, 1, 28, 28),
                                        missing=bottom, every=10 ** 9):
            pass
        return x

    def loop():
        return naive(model, N, NAIVE_PIXELS)

    for fn in (sample, loop):
        fn()

    def measure():
        return ([ms(sample)[0] for _ in range(REPEATS)], [ms(complete)[0] for _ in range(REPEATS)],
                [ms(loop)[0] * 784 / NAIVE_PIXELS for _ in range(REPEATS)])

    (ours, half, full), _ = quiet_run(measure, "pixelcnn")
    med = statistics.median
    print(f"mnist-pixelcnn ({model.parameter_count():,} parameters), {N} digits x 784 pixels, 1 thread: row-by-row "
          f"sampler {med(ours) / 1e3:.2f} s, bottom-half completion {med(half) / 1e3:.2f} s; a full forward pass per "
          f"pixel {med(full) / 1e3:.1f} s (scaled from {NAIVE_PIXELS} pixels); speed-up {med(full) / med(ours):.1f}x; "
          f"medians of {REPEATS}")
    print(f"RESULT pixelcnn sample16_s={med(ours) / 1e3:.2f} complete16_half_s={med(half) / 1e3:.2f} "
          f"naive16_s={med(full) / 1e3:.1f} speedup={med(full) / med(ours):.1f}")


if __name__ == "__main__":
    main()
