"""The density-estimation lab: a data set prepared once (grid, caches, train/test split) and what the
tab draws from it: the estimate, held-out likelihood against bandwidth, and the curse of
dimensionality (KDE against a fitted Gaussian as the dimension grows).
"""
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch

from playground.models import bandwidth
from playground.models.kde import KDE, exact_log_density

GRID = {1: 1024, 2: 256}
HELDOUT_GRID = {1: 16_384, 2: 1024}
HELDOUT_EXACT_LIMIT = 2_000  # train points scored exactly; above this, the binned estimate is interpolated
HELDOUT_SCORED = 20_000  # test (and train) points scored per bandwidth
LOG_FLOOR = 1e-12  # densities are floored here before the log, so a too-narrow kernel scores finitely


@dataclass
class Estimate:
    """What the tab draws: grid axes, the density on them, how it was computed."""

    axes: list
    density: np.ndarray  # (G,) or (Gx, Gy)
    method: str
    mass_shown: float  # the estimate's mass on the plotted grid (< 1 when kernels spill past it)
    components: np.ndarray | None  # (N, G) each point's kernel / N, for small 1-D data
    true: np.ndarray | None


class DensityLab:
    """One data set, its grid and caches; every knob change reuses them."""

    def __init__(self, data, true_pdf=None, seed: int = 0, device=None):
        x = np.asarray(data, dtype=np.float64)
        self.data = x
        self.dim = 1 if x.ndim == 1 else x.shape[1]
        self.n = len(x)
        self.true_pdf = true_pdf
        self.seed = seed
        self.device = device
        pts = x.reshape(self.n, self.dim)
        try:
            self.h_ref = bandwidth.select("silverman", pts)
        except bandwidth.BandwidthError:
            self.h_ref = 1.0  # one point, or all equal: any scale will do for the grid
        # Heavy tails: the plot spans the central 99.8% (plus margins) rather than the extremes.
        q = (0.1, 99.9) if self.n > 1000 else (0, 100)
        lo, hi = np.percentile(pts, q, axis=0)
        pad = 0.1 * (hi - lo) + 3 * self.h_ref
        self.lo, self.hi = lo - pad, hi + pad
        self.kde = KDE(pts, self.lo, self.hi, GRID[self.dim], device=device)
        self._rules = {}
        self._heldout = {}
        self._lock = threading.Lock()

    def estimate(self, h: float, kernel: str, with_true: bool = True) -> Estimate:
        density = self.kde.evaluate(h, kernel).cpu().numpy()
        axes = [ax.cpu().numpy() for ax in self.kde.axes]
        cell = math.prod(float(a[1] - a[0]) for a in axes)
        components = self.kde.components(h, kernel).cpu().numpy() if self.dim == 1 and self.n <= 50 else None
        true = None
        if with_true and self.true_pdf is not None:
            mesh = axes[0] if self.dim == 1 else np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
            true = self.true_pdf(mesh).reshape(density.shape)
        return Estimate(axes, density, self.kde.method(kernel), float(density.sum() * cell), components, true)

    def rule(self, name: str, kernel: str = "gaussian") -> float:
        """The bandwidth a rule picks (CV depends on the kernel, the others do not); cached."""
        key = (name, kernel if name == "cv" else None)
        with self._lock:
            if key not in self._rules:
                self._rules[key] = bandwidth.select(name, self.data.reshape(self.n, self.dim), kernel, seed=self.seed)
            return self._rules[key]

    def heldout(self, kernel: str, points: int = 24):
        """Mean log-likelihood of train and held-out test points against bandwidth (80/20 split); cached."""
        with self._lock:
            if kernel not in self._heldout:
                self._heldout[kernel] = self._heldout_curve(kernel, points)
            return self._heldout[kernel]

    def _heldout_curve(self, kernel, points):
        if self.n < 5:
            raise ValueError("Held-out likelihood needs at least 5 points (an 80/20 split).")
        rng = np.random.default_rng(self.seed + 17)
        perm = rng.permutation(self.n)
        cut = int(round(0.8 * self.n))
        pts = self.data.reshape(self.n, self.dim)
        train, test = pts[perm[:cut]], pts[perm[cut:]]
        scored_train, scored_test = train[:HELDOUT_SCORED], test[:HELDOUT_SCORED]
        if len(train) <= HELDOUT_EXACT_LIMIT:
            hs = self.h_ref * np.geomspace(1 / 300, 10, points)
            xt = torch.as_tensor(train)

            def scores(h):
                return [float(exact_log_density(torch.as_tensor(q), xt, (h,) * self.dim, kernel, LOG_FLOOR).mean())
                        for q in (scored_train, scored_test)]
        else:
            # A finer grid than the plot's, and no bandwidth under two grid steps: below that the
            # binned estimate turns into a histogram and its held-out score means something else.
            kde = KDE(train, self.lo, self.hi, HELDOUT_GRID[self.dim], device=self.device)
            h_min = 2 * max(kde.steps)
            hs = np.geomspace(max(self.h_ref / 300, h_min), max(self.h_ref * 10, 20 * h_min), points)
            queries = [torch.as_tensor(q, device=kde.device) for q in (scored_train, scored_test)]

            def scores(h):
                grid = kde.evaluate(h, kernel)
                return [float(kde.interpolate(grid, q).clamp(min=LOG_FLOOR).log().mean()) for q in queries]
        train_ll, test_ll = (np.array(v) for v in zip(*(scores(h) for h in hs)))
        return hs, train_ll, test_ll


_labs: OrderedDict = OrderedDict()
_labs_lock = threading.Lock()


def lab_for(key, make, capacity: int = 6) -> DensityLab:
    """A memo of prepared labs keyed by what determines the data (preset, N, seed) or its hash."""
    with _labs_lock:
        if key in _labs:
            _labs.move_to_end(key)
            return _labs[key]
    lab = make()
    with _labs_lock:
        _labs[key] = lab
        while len(_labs) > capacity:
            _labs.popitem(last=False)
    return lab


def _mixture_logpdf(x: torch.Tensor, shift: float) -> torch.Tensor:
    """log of 0.5 N(-shift e1, I) + 0.5 N(+shift e1, I) in d dimensions."""
    d = x.shape[1]
    base = -0.5 * (x[:, 1:] ** 2).sum(1) - 0.5 * d * math.log(2 * math.pi)
    pair = torch.stack([-0.5 * (x[:, 0] + shift) ** 2, -0.5 * (x[:, 0] - shift) ** 2], 1)
    return base + torch.logsumexp(pair, 1) - math.log(2)


def _draw_mixture(m: int, d: int, shift: float, g: torch.Generator) -> torch.Tensor:
    """m points of 0.5 N(-shift e1, I) + 0.5 N(+shift e1, I) in d dimensions."""
    x = torch.randn(m, d, generator=g, dtype=torch.float64)
    x[:, 0] += shift * torch.where(torch.rand(m, generator=g) < 0.5, -1.0, 1.0).to(torch.float64)
    return x


def curse_of_dimensionality(n: int = 1000, max_dim: int = 10, seed: int = 0, n_test: int = 2000, shift: float = 1.5):
    """KL(p || model) estimated on held-out points, for KDE (Gaussian kernel, bandwidth by leave-one-out
    likelihood) and a fitted Gaussian, as the dimension d grows; p is a two-component mixture split
    along the first axis, so the Gaussian is wrong by a fixed amount while KDE's error grows with d.
    """
    rows = []
    for d in range(1, max_dim + 1):
        g = torch.Generator().manual_seed(seed * 1000 + d)
        train, test = _draw_mixture(n, d, shift, g), _draw_mixture(n_test, d, shift, g)
        log_p = _mixture_logpdf(test, shift)
        h = bandwidth.cross_validated(train.numpy(), "gaussian", max_points=n, seed=seed, grid=16)[0]
        log_kde = exact_log_density(test, train, (h,) * d, "gaussian")
        mean, cov = train.mean(0), torch.cov(train.T).reshape(d, d)
        log_gauss = torch.distributions.MultivariateNormal(mean, covariance_matrix=cov).log_prob(test)
        gap_kde, gap_gauss = log_p - log_kde, log_p - log_gauss
        rows.append(dict(dim=d, h=h, kde=float(gap_kde.mean()), kde_se=float(gap_kde.std() / math.sqrt(n_test)),
                         gauss=float(gap_gauss.mean()), gauss_se=float(gap_gauss.std() / math.sqrt(n_test))))
    return rows
