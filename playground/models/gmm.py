"""A Gaussian mixture fitted by expectation-maximisation (Dempster, Laird & Rubin 1977), every step kept.

Covariance types and M-step formulas follow scikit-learn's GaussianMixture ("full", "diag", "spherical",
"tied", `reg` added to the diagonal like its reg_covar); hand-written in numpy because EM is the lesson.
"""
import math
from dataclasses import dataclass

import numpy as np

COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")


@dataclass(frozen=True)
class GMMState:
    """One EM step: the parameters and the E-step computed from them."""

    weights: np.ndarray  # (K,) mixing proportions pi_k
    means: np.ndarray  # (K, d) mu_k
    covariances: np.ndarray  # (K, d, d) Sigma_k, stored full whatever the type (diagonal, c I, or shared)
    responsibilities: np.ndarray  # (N, K) gamma_nk = p(component k | x_n) under these parameters
    log_likelihood: float  # mean log p(x_n) over the fitted points, nats
    covariance: str = "full"  # the covariance type it was fitted with


def parameter_count(k: int, d: int, covariance: str = "full") -> int:
    """Free parameters of a K-component mixture in d dimensions: weights, means and covariances."""
    per_type = {"full": k * d * (d + 1) // 2, "diag": k * d, "spherical": k, "tied": d * (d + 1) // 2}
    if covariance not in per_type:
        raise ValueError(f"Unknown covariance type '{covariance}'. Choose one of {', '.join(COVARIANCE_TYPES)}.")
    return (k - 1) + k * d + per_type[covariance]


def _component_log_densities(x, means, covariances):
    """log N(x_n | mu_k, Sigma_k) for every point and component, (N, K), through Cholesky factors."""
    try:
        chol = np.linalg.cholesky(covariances)  # (K, d, d), Sigma_k = L_k L_k^T
    except np.linalg.LinAlgError:
        raise ValueError("A covariance matrix is not positive definite (a component collapsed onto too few "
                         "points); increase reg or lower k.") from None
    diff = x[None] - means[:, None]  # (K, N, d)
    z = np.linalg.solve(chol, diff.transpose(0, 2, 1))  # (K, d, N), z = L^-1 (x - mu)
    maha = (z ** 2).sum(1).T  # (N, K) squared Mahalanobis distances
    log_det = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(1)  # (K,)
    return -0.5 * (maha + log_det + x.shape[1] * math.log(2 * math.pi))


def e_step(x, weights, means, covariances):
    """Responsibilities (N, K) and per-point log p(x_n) (N,), by log-sum-exp so far points do not underflow."""
    joint = _component_log_densities(x, means, covariances) + np.log(weights)  # log pi_k N(x_n | k)
    top = joint.max(1, keepdims=True)
    log_px = top[:, 0] + np.log(np.exp(joint - top).sum(1))
    return np.exp(joint - log_px[:, None]), log_px


def _state(x, weights, means, covariances, covariance):
    resp, log_px = e_step(x, weights, means, covariances)
    return GMMState(weights, means, covariances, resp, float(log_px.mean()), covariance)


def _m_step(x, resp, covariance, reg):
    """New weights, means and covariances (K, d, d) from responsibilities: scikit-learn's formulas."""
    n, d = x.shape
    nk = resp.sum(0) + 10 * np.finfo(resp.dtype).eps  # (K,) soft counts; eps keeps empty components finite
    means = resp.T @ x / nk[:, None]  # (K, d)
    eye = np.eye(d)
    if covariance == "full":
        diff = x[None] - means[:, None]  # (K, N, d)
        cov = np.einsum("nk,kni,knj->kij", resp, diff, diff) / nk[:, None, None] + reg * eye
    elif covariance == "tied":
        shared = (x.T @ x - (nk * means.T) @ means) / nk.sum() + reg * eye
        cov = np.broadcast_to(shared, (len(nk), d, d)).copy()
    else:
        var = (resp.T @ (x * x)) / nk[:, None] - means ** 2 + reg  # (K, d) diagonal variances
        if covariance == "spherical":
            var = np.repeat(var.mean(1, keepdims=True), d, 1)
        cov = var[:, :, None] * eye  # (K, d, d)
    weights = nk / n
    return weights / weights.sum(), means, cov


def _kmeans_plus_plus(x, k, rng):
    """k means picked from the data: the first uniformly, each next with probability ~ squared distance."""
    chosen = [int(rng.integers(len(x)))]
    d2 = ((x - x[chosen[0]]) ** 2).sum(1)
    for _ in range(k - 1):
        total = d2.sum()
        nxt = int(rng.choice(len(x), p=d2 / total)) if total > 0 else int(rng.integers(len(x)))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((x - x[nxt]) ** 2).sum(1))
    return x[chosen].copy()


def _initial_covariances(x, k, covariance, reg):
    """The data's covariance for every component, reduced to the covariance type."""
    d = x.shape[1]
    cov = np.cov(x.T, bias=True).reshape(d, d)
    if covariance == "diag":
        cov = np.diag(np.diag(cov))
    elif covariance == "spherical":
        cov = np.trace(cov) / d * np.eye(d)
    return np.broadcast_to(cov + reg * np.eye(d), (k, d, d)).copy()


def _check(x, k, covariance, iterations, reg):
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    if x.ndim != 2:
        raise ValueError(f"Data must be points of shape (N, d); got an array of shape {x.shape}.")
    if len(x) < 2:
        raise ValueError(f"Fitting a mixture needs at least 2 points; got {len(x)}.")
    if not np.isfinite(x).all():
        raise ValueError("Data contains NaN or infinite values; remove them before fitting.")
    if covariance not in COVARIANCE_TYPES:
        raise ValueError(f"Unknown covariance type '{covariance}'. Choose one of {', '.join(COVARIANCE_TYPES)}.")
    if int(k) != k or not 1 <= k <= len(x):
        raise ValueError(f"The number of components k must be a whole number from 1 to the number of points "
                         f"({len(x)}); got {k}.")
    if iterations < 0 or reg < 0:
        raise ValueError(f"iterations and reg must be non-negative; got {iterations} and {reg}.")
    return x


def fit_em(x, k: int, covariance: str = "full", iterations: int = 50, seed=0, tol: float | None = None,
           reg: float = 1e-6) -> list[GMMState]:
    """The whole EM history: state 0 is the seeded initialisation (k-means++ means, the data's covariance,
    equal weights), then one state per iteration (M-step from the previous responsibilities, then E-step).
    Stops early once an iteration gains less than `tol` nats per point. `seed` is an int or a numpy Generator.
    """
    x = _check(x, k, covariance, iterations, reg)
    k = int(k)
    means = _kmeans_plus_plus(x, k, np.random.default_rng(seed))
    history = [_state(x, np.full(k, 1.0 / k), means, _initial_covariances(x, k, covariance, reg), covariance)]
    for _ in range(iterations):
        history.append(_state(x, *_m_step(x, history[-1].responsibilities, covariance, reg), covariance))
        if tol is not None and history[-1].log_likelihood - history[-2].log_likelihood < tol:
            break
    return history


def log_density(state: GMMState, grid_points) -> np.ndarray:
    """log p(x) under the mixture at each of M points (M, d), e.g. a grid for contours; (M,)."""
    pts = np.asarray(grid_points, dtype=np.float64).reshape(-1, state.means.shape[1])
    return e_step(pts, state.weights, state.means, state.covariances)[1]


def sample(state: GMMState, n: int, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """n points (n, d) from the mixture and the component each came from (n,); `seed` an int or a Generator."""
    rng = np.random.default_rng(seed)
    components = rng.choice(len(state.weights), size=int(n), p=state.weights)
    z = rng.standard_normal((int(n), state.means.shape[1]))
    chol = np.linalg.cholesky(state.covariances)  # (K, d, d)
    points = state.means[components] + np.einsum("nij,nj->ni", chol[components], z)  # mu_k + L_k z
    return points, components


def bic(state: GMMState, n: int | None = None) -> float:
    """Bayesian information criterion, -2 log L + p log n (lower is better); n defaults to the fitted points."""
    n = len(state.responsibilities) if n is None else n
    k, d = state.means.shape
    return -2 * state.log_likelihood * n + parameter_count(k, d, state.covariance) * math.log(n)
