"""Bandwidth selection for KDE: Scott's and Silverman's rules, improved Sheather-Jones (Botev, Grotowski
and Kroese 2010) and leave-one-out cross-validated likelihood.

All return the kernel's standard deviation h (KDEpy's convention), per axis for d-dimensional data.
"""
import math

import numpy as np
import torch

from playground.models.kde import exact_log_density

RULES = ("scott", "silverman", "isj", "cv")
IQR_TO_SIGMA = 1.3489795003921634  # the IQR of a standard normal


class BandwidthError(ValueError):
    """A rule cannot give a usable bandwidth for this data (too few points, no spread)."""


def _as_2d(data) -> np.ndarray:
    x = np.asarray(data, dtype=np.float64)
    x = x.reshape(-1, 1) if x.ndim == 1 else x
    if len(x) < 2:
        raise BandwidthError("A bandwidth rule needs at least 2 points.")
    return x


def robust_sigma(x: np.ndarray) -> np.ndarray:
    """min(standard deviation, IQR / 1.349) per column, as KDEpy's rules use it."""
    sigma = x.std(axis=0, ddof=1)
    q75, q25 = np.percentile(x, [75, 25], axis=0)
    iqr = (q75 - q25) / IQR_TO_SIGMA
    sigma = np.where(iqr > 0, np.minimum(sigma, iqr), sigma)
    if not np.all(sigma > 0):
        raise BandwidthError("All values are equal, so the rule gives bandwidth 0: set the bandwidth by hand.")
    return sigma


def scott(data) -> np.ndarray:
    """Scott (1992): h = sigma n^(-1/(d+4))."""
    x = _as_2d(data)
    n, d = x.shape
    return robust_sigma(x) * n ** (-1.0 / (d + 4))


def silverman(data) -> np.ndarray:
    """Silverman (1986): h = sigma (n (d+2) / 4)^(-1/(d+4)); in 1-D, sigma (3n/4)^(-1/5)."""
    x = _as_2d(data)
    n, d = x.shape
    return robust_sigma(x) * (n * (d + 2) / 4.0) ** (-1.0 / (d + 4))


def isj(data, grid_points: int = 1024) -> np.ndarray:
    """Improved Sheather-Jones: solve t = xi gamma^[l](t) by the DCT of the binned data (1-D only).

    The data are binned on a grid reaching R/2 past each end (R the data range) and t* is found on
    that grid mapped to [0, 1], so h = sqrt(t*) times the grid's width, as in Botev's reference code.
    KDEpy 1.1.12 multiplies by R instead and pads by at least 6 units (its issues #199 and #201), so
    its value is ours times R / grid width: half of ours whenever R >= 12.
    """
    from scipy.fft import dct

    x = _as_2d(data)
    if x.shape[1] != 1:
        raise BandwidthError("Improved Sheather-Jones is a 1-D rule: choose Scott, Silverman or CV in 2-D.")
    x = x[:, 0]
    lo, hi = x.min(), x.max()
    spread = hi - lo
    if spread <= 0:
        raise BandwidthError("All values are equal, so the rule gives bandwidth 0: set the bandwidth by hand.")
    pad = 0.5 * spread
    t = (x - (lo - pad)) / ((spread + 2 * pad) / (grid_points - 1))
    i = np.minimum(t.astype(np.int64), grid_points - 2)
    w = t - i
    binned = np.bincount(i, 1 - w, grid_points) + np.bincount(i + 1, w, grid_points)
    a2 = dct(binned / len(x), type=2)[1:] ** 2
    k2 = np.arange(1, grid_points, dtype=np.float64) ** 2
    n_unique = len(np.unique(x))
    t_star = _fixed_point_root(n_unique, k2, a2)
    return np.array([math.sqrt(t_star) * (spread + 2 * pad)])


def _functional(s: int, t: float, k2: np.ndarray, a2: np.ndarray) -> float:
    """||f^(s)||^2 estimated at time t from the DCT coefficients."""
    return 0.5 * math.pi ** (2 * s) * float(np.sum(k2 ** s * a2 * np.exp(-k2 * math.pi ** 2 * t)))


def _fixed_point(t: float, n: int, k2: np.ndarray, a2: np.ndarray) -> float:
    """t - xi gamma^[7](t): zero at the ISJ time t* (Botev et al. 2010, eq. 29)."""
    ell = 7
    f = _functional(ell, t, k2, a2)
    if f <= 0:
        return -1.0
    for s in range(ell - 1, 1, -1):
        odd_prod = float(np.prod(np.arange(1, 2 * s + 1, 2, dtype=np.float64)))
        k0 = odd_prod / math.sqrt(2 * math.pi)
        const = (1 + 0.5 ** (s + 0.5)) / 3
        time_s = (2 * const * k0 / (n * f)) ** (2.0 / (3 + 2 * s))
        f = _functional(s, time_s, k2, a2)
        if f <= 0:  # underflow: treat as "below the root", as the reference code's -inf does
            return -1.0
    return t - (2 * n * math.sqrt(math.pi) * f) ** (-2.0 / 5)


def _fixed_point_root(n: int, k2: np.ndarray, a2: np.ndarray) -> float:
    """Smallest positive root, widening the bracket as Botev's reference code does."""
    from scipy.optimize import brentq

    n_c = max(min(1050, n), 50)
    tol = 10e-12 + 0.01 * (n_c - 50) / 1000
    while tol < 1:
        try:
            root = brentq(_fixed_point, 0, tol, args=(n, k2, a2))
            if root > 0:
                return root
        except ValueError:
            pass
        tol *= 2.0
    raise BandwidthError("Improved Sheather-Jones did not converge on this data (too few distinct points?).")


def cross_validated(data, kernel: str = "gaussian", max_points: int = 1500, seed: int = 0,
                    grid: int = 32) -> np.ndarray:
    """Bandwidth that maximises the leave-one-out log-likelihood (isotropic in 2-D).

    Above `max_points` the search runs on a seeded subsample and the result is rescaled by
    (m / n)^(1/(d+4)), the rate at which the optimal bandwidth shrinks with n.
    """
    x = _as_2d(data)
    n, d = x.shape
    ref = float(np.exp(np.mean(np.log(silverman(x)))))
    sub = x
    if n > max_points:
        sub = x[np.random.default_rng(seed).choice(n, max_points, replace=False)]
    xt = torch.as_tensor(sub)
    scale = (len(sub) / n) ** (1.0 / (d + 4))

    def loo(log_h: float) -> float:
        return float(exact_log_density(xt, xt, (math.exp(log_h),) * d, kernel, exclude_self=True).mean())

    log_hs = np.linspace(math.log(ref / scale) - math.log(30), math.log(ref / scale) + math.log(5), grid)
    scores = [loo(v) for v in log_hs]
    best = int(np.argmax(scores))
    lo, hi = log_hs[max(best - 1, 0)], log_hs[min(best + 1, grid - 1)]
    from scipy.optimize import minimize_scalar

    refined = minimize_scalar(lambda v: -loo(v), bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    return np.full(d, math.exp(refined.x) * scale)


def select(rule: str, data, kernel: str = "gaussian", seed: int = 0) -> float:
    """One isotropic bandwidth by name (the geometric mean of the per-axis values in 2-D)."""
    if rule not in RULES:
        raise BandwidthError(f"Unknown bandwidth rule '{rule}'. Choose one of {', '.join(RULES)}.")
    if rule == "cv":
        hs = cross_validated(data, kernel, seed=seed)
    else:
        hs = {"scott": scott, "silverman": silverman, "isj": isj}[rule](data)
    return float(np.exp(np.mean(np.log(hs))))
