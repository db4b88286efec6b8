"""Seeded toy data: 1-D presets and 2-D shapes, with their true density where it has a closed form.

Every sampler is `f(n, rng) -> (n,) or (n, 2) float64`; a true density is `pdf(x) -> (n,)`.
"""
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

SIX_POINTS = np.array([-2.1, -1.3, -0.4, 1.9, 5.1, 6.2])  # the classic six-point Parzen example


@dataclass(frozen=True)
class Toy:
    """A toy distribution: how to sample it, its true density if known, one line for the UI."""

    sample: Callable[[int, np.random.Generator], np.ndarray]
    pdf: Callable[[np.ndarray], np.ndarray] | None
    blurb: str
    fixed_n: int | None = None  # a fixed data set (the six points) ignores the sample size


def _normal_pdf(x, mu=0.0, sigma=1.0):
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _bimodal_sample(n, rng):
    left = rng.random(n) < 0.3
    return np.where(left, rng.normal(-2.0, 0.5, n), rng.normal(1.5, 1.0, n))


def _lognormal_pdf(x, s=0.6):
    xp = np.where(x > 0, x, 1.0)
    return np.where(x > 0, np.exp(-0.5 * (np.log(xp) / s) ** 2) / (xp * s * math.sqrt(2 * math.pi)), 0.0)


def _student_t_pdf(x, dof=3.0):
    c = math.gamma((dof + 1) / 2) / (math.sqrt(dof * math.pi) * math.gamma(dof / 2))
    return c * (1 + x * x / dof) ** (-(dof + 1) / 2)


TOY_1D = {
    "six points": Toy(lambda n, rng: SIX_POINTS.copy(), None, "six points, as in the textbook's Parzen window example", 6),
    "bimodal mixture": Toy(_bimodal_sample, lambda x: 0.3 * _normal_pdf(x, -2, 0.5) + 0.7 * _normal_pdf(x, 1.5, 1.0),
                           "0.3 N(-2, 0.5²) + 0.7 N(1.5, 1)"),
    "standard normal": Toy(lambda n, rng: rng.normal(size=n), _normal_pdf, "N(0, 1)"),
    "skewed (log-normal)": Toy(lambda n, rng: rng.lognormal(0.0, 0.6, n), _lognormal_pdf, "log-normal, sigma 0.6"),
    "heavy-tailed (Student t)": Toy(lambda n, rng: rng.standard_t(3.0, n), _student_t_pdf, "Student t with 3 degrees of freedom"),
}


def _moons(n, rng):
    upper = rng.random(n) < 0.5
    theta = rng.uniform(0, math.pi, n)
    x = np.where(upper, np.cos(theta), 1 - np.cos(theta))
    y = np.where(upper, np.sin(theta), 0.5 - np.sin(theta))
    return np.stack([x, y], 1) * 1.5 + rng.normal(0, 0.1, (n, 2)) - [0.75, 0.35]


def _circles(n, rng):
    radius = np.where(rng.random(n) < 0.5, 2.0, 1.0)
    theta = rng.uniform(0, 2 * math.pi, n)
    return np.stack([np.cos(theta), np.sin(theta)], 1) * radius[:, None] + rng.normal(0, 0.08, (n, 2))


def _rings(n, rng):
    radius = rng.integers(1, 5, n) * 0.6
    theta = rng.uniform(0, 2 * math.pi, n)
    return np.stack([np.cos(theta), np.sin(theta)], 1) * radius[:, None] + rng.normal(0, 0.05, (n, 2))


def _spirals(n, rng):
    t = np.sqrt(rng.random(n)) * 3 * math.pi
    arm = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    xy = np.stack([np.cos(t) * t, np.sin(t) * t], 1) * arm[:, None] / 3
    return xy + rng.normal(0, 0.1, (n, 2))


def _swiss_roll(n, rng):
    t = 1.5 * math.pi * (1 + 2 * rng.random(n))
    return np.stack([t * np.cos(t), t * np.sin(t)], 1) / 5 + rng.normal(0, 0.1, (n, 2))


def _checkerboard(n, rng):
    # Uniform on the 8 dark squares of a 4 x 4 board on [-2, 2]^2.
    col = rng.integers(0, 4, n)
    row = 2 * rng.integers(0, 2, n) + (col % 2)
    return np.stack([col + rng.random(n) - 2, row + rng.random(n) - 2], 1)


def _checkerboard_pdf(xy):
    col, row = np.floor(xy[:, 0] + 2), np.floor(xy[:, 1] + 2)
    inside = (np.abs(xy) < 2).all(1) & ((col + row) % 2 == 0)
    return np.where(inside, 1 / 8, 0.0)


_EIGHT_CENTRES = 2.0 * np.stack([np.cos(np.arange(8) * math.pi / 4), np.sin(np.arange(8) * math.pi / 4)], 1)
_MIX_CENTRES = np.array([[-1.5, -1.0], [1.5, -1.0], [0.0, 1.5]])
_MIX_SIGMA = np.array([0.5, 0.7, 0.4])


def _eight_gaussians(n, rng):
    return _EIGHT_CENTRES[rng.integers(0, 8, n)] + rng.normal(0, 0.2, (n, 2))


def _mixture_2d(n, rng):
    k = rng.integers(0, 3, n)
    return _MIX_CENTRES[k] + rng.normal(size=(n, 2)) * _MIX_SIGMA[k, None]


def _isotropic_mixture_pdf(xy, centres, sigmas):
    d2 = ((xy[:, None, :] - centres[None]) ** 2).sum(-1)
    return (np.exp(-0.5 * d2 / sigmas ** 2) / (2 * math.pi * sigmas ** 2)).mean(1)


TOY_2D = {
    "moons": Toy(_moons, None, "two interleaved half-moons"),
    "8 gaussians": Toy(_eight_gaussians, lambda xy: _isotropic_mixture_pdf(xy, _EIGHT_CENTRES, np.full(8, 0.2)),
                       "eight Gaussians on a circle"),
    "checkerboard": Toy(_checkerboard, _checkerboard_pdf, "uniform on a checkerboard's dark squares"),
    "spirals": Toy(_spirals, None, "two interleaved spirals"),
    "circles": Toy(_circles, None, "two concentric circles"),
    "rings": Toy(_rings, None, "four concentric rings"),
    "swiss roll": Toy(_swiss_roll, None, "a 2-D swiss roll"),
    "gaussian mixture": Toy(_mixture_2d, lambda xy: _isotropic_mixture_pdf(xy, _MIX_CENTRES, _MIX_SIGMA),
                            "three isotropic Gaussians"),
}


def toy_sample(name: str, n: int, seed: int = 0, dim: int | None = None) -> np.ndarray:
    """n points of the named toy set (1-D or 2-D), seeded."""
    table = TOY_1D if (dim == 1 or (dim is None and name in TOY_1D)) else TOY_2D
    if name not in table:
        raise KeyError(f"Unknown toy data set '{name}'. Choose one of {', '.join(table)}.")
    return table[name].sample(int(n), np.random.default_rng(seed))
