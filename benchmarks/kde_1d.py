"""1-D KDE speed: N = 1e6 standard-normal points, 1024 grid points, Gaussian kernel.

(a) full evaluation (build the KDE on a padded min/max grid + evaluate) against KDEpy FFTKDE, same run;
(b) scipy gaussian_kde on the same points and grid (about 9 s: run once);
(c) a bandwidth change on an existing KDE object (cached bins), median of 50.
Run from the repo root: python benchmarks/kde_1d.py
"""
import os
import statistics
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from _common import bandwidth_change_ms, interleaved, ms, quiet_run  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from playground.device import configure_threads  # noqa: E402

configure_threads(workers=1)  # one request: torch gets every core

import numpy as np  # noqa: E402
import torch  # noqa: E402
from KDEpy import FFTKDE  # noqa: E402
from scipy.stats import gaussian_kde  # noqa: E402

from playground.models.kde import KDE  # noqa: E402

N, GRID, H = 1_000_000, 1024, 0.05  # h = 10^-1.3, near Silverman's 0.067 for N(0, 1) at 1e6
REPEATS, BW_REPEATS = 30, 50


def ours(x, h=H):
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo) + 3 * h
    kde = KDE(x, lo - pad, hi + pad, GRID)
    return kde, kde.evaluate(h, "gaussian")


def kdepy(x, h=H):
    return FFTKDE(bw=h).fit(x).evaluate(GRID)


def main():
    x = np.random.default_rng(0).standard_normal(N)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, N = {N:,}, grid {GRID}, h = {H}")

    t_ours, t_kdepy = interleaved(lambda: ours(x), lambda: kdepy(x), REPEATS, "(a) full evaluation")
    ours_ms, kdepy_ms = statistics.median(t_ours), statistics.median(t_kdepy)
    print(f"(a) ours {ours_ms:.2f} ms (min {min(t_ours):.2f}), KDEpy FFTKDE {kdepy_ms:.2f} ms (min {min(t_kdepy):.2f})")

    # Correctness check (untimed): KDEpy on our grid must agree with ours.
    kde, dens = ours(x)
    grid = kde.axes[0].numpy()
    ref = FFTKDE(bw=H).fit(x).evaluate(grid)
    diff = float(np.max(np.abs(dens.numpy() - ref)))
    print(f"    max |ours - KDEpy| on our grid = {diff:.2e} (peak {ref.max():.4f})")

    # (c) bandwidth change on an existing object: bins are cached, only the kernel FFT is redone.
    t_bw = bandwidth_change_ms(kde, [10 ** (-1.3 + 0.002 * (i + 1)) for i in range(BW_REPEATS)], "(c) bandwidth change")
    bw_ms = statistics.median(t_bw)
    print(f"(c) bandwidth change {bw_ms:.3f} ms (p90 {np.percentile(t_bw, 90):.3f})")

    # (b) scipy gaussian_kde: bw_method is a factor on the data's std, so h / std gives the same h.
    (scipy_ms, sdens), _ = quiet_run(lambda: ms(lambda: gaussian_kde(x, bw_method=H / x.std(ddof=1))(grid)),
                                     "(b) scipy gaussian_kde", attempts=2)
    sdiff = float(np.max(np.abs(dens.numpy() - sdens)))
    print(f"(b) scipy gaussian_kde {scipy_ms:.0f} ms (once); max |ours - scipy| = {sdiff:.2e}")

    vs_kdepy, vs_scipy = kdepy_ms / ours_ms, scipy_ms / ours_ms
    print("targets: vs_kdepy >= 1.0 {}, vs_scipy >= 500 {}, bandwidth change < 1 ms {}".format(
        *("met" if ok else "MISSED" for ok in (vs_kdepy >= 1.0, vs_scipy >= 500, bw_ms < 1.0))))
    print(f"RESULT kde_1d ours_ms={ours_ms:.2f} kdepy_ms={kdepy_ms:.2f} scipy_ms={scipy_ms:.0f} "
          f"vs_kdepy={vs_kdepy:.2f} vs_scipy={vs_scipy:.0f} bandwidth_change_ms={bw_ms:.3f}")


if __name__ == "__main__":
    main()
