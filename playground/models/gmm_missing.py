"""A Gaussian mixture fitted by EM to data with missing values (Ghahramani & Jordan 1994), and the exact
conditional Gaussian of the missing coordinates given the observed ones, which multiple imputation samples.

NaN marks a missing value. The E-step weighs each component by the density of the observed coordinates only
and fills the missing ones with their conditional mean; the M-step adds the conditional covariance back in.
"""
from typing import NamedTuple

import numpy as np

from playground.models.gmm import e_step


class MixtureFit(NamedTuple):
    """A fitted mixture and the observed-data log-likelihood sum_n log p(x_n,o) before each M-step and at the end."""

    weights: np.ndarray  # (K,) pi_k
    means: np.ndarray  # (K, d) mu_k
    covariances: np.ndarray  # (K, d, d) Sigma_k
    log_likelihood: list  # nats, summed over the rows


class Conditional(NamedTuple):
    """p(k, x_m | x_o) for N rows sharing one pattern of observed (o) and missing (m) coordinates."""

    weights: np.ndarray  # (N, K) p(k | x_o), the posterior over components
    means: np.ndarray  # (N, K, d_m) E[x_m | x_o, k]
    covariances: np.ndarray  # (K, d_m, d_m) Cov[x_m | x_o, k], the same for every row of the pattern
    log_marginal: np.ndarray  # (N,) log p(x_o)


def missing_patterns(missing: np.ndarray) -> list:
    """Rows grouped by which columns are missing: (observed columns, missing columns, rows) per pattern."""
    keys, inverse = np.unique(missing, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [(np.flatnonzero(~key), np.flatnonzero(key), np.flatnonzero(inverse == i)) for i, key in enumerate(keys)]


def _blocks(cov, rows, cols):
    return cov[..., rows, :][..., :, cols]


def conditional_gaussian(mu, cov, x_obs, obs_idx, mis_idx):
    """x_m | x_o ~ N(mu_m + S_mo S_oo^-1 (x_o - mu_o), S_mm - S_mo S_oo^-1 S_om): the Schur complement.
    x_obs is one row (d_o,) or rows (N, d_o); returns the conditional mean(s) (..., d_m) and covariance (d_m, d_m).
    Leading batch dimensions of mu (..., d) and cov (..., d, d) broadcast against x_obs (one Gaussian each)."""
    mu, cov, x_obs = np.asarray(mu, float), np.asarray(cov, float), np.asarray(x_obs, float)
    o, m = np.asarray(obs_idx, int), np.asarray(mis_idx, int)
    s_mm = _blocks(cov, m, m)
    if len(o) == 0:  # nothing observed: the marginal
        return np.zeros(x_obs.shape[:-1] + (1,)) + mu[..., m], s_mm
    s_om = _blocks(cov, o, m)
    gain = np.linalg.solve(_blocks(cov, o, o), s_om)  # (..., d_o, d_m) S_oo^-1 S_om, the transpose of S_mo S_oo^-1
    return mu[..., m] + (x_obs - mu[..., o]) @ gain, s_mm - s_om.swapaxes(-1, -2) @ gain


def mixture_conditional(weights, means, covariances, x_obs, obs_idx, mis_idx) -> Conditional:
    """The posterior over components given x_o (from the observed marginals) and each component's conditional
    Gaussian of x_m given x_o; x_obs is (N, d_o) or one row (d_o,)."""
    x_obs = np.atleast_2d(np.asarray(x_obs, float))
    weights, means, covariances = (np.asarray(a, float) for a in (weights, means, covariances))
    o = np.asarray(obs_idx, int)
    if len(o):  # p(k | x_o) and log p(x_o): the plain mixture E-step on the observed coordinates' marginals
        resp, log_marginal = e_step(x_obs, weights, means[:, o], _blocks(covariances, o, o))
    else:
        resp, log_marginal = np.repeat(weights[None], len(x_obs), 0), np.zeros(len(x_obs))
    cond_means, cond_covs = conditional_gaussian(means[:, None], covariances, x_obs[None], o, mis_idx)  # (K, N, d_m)
    return Conditional(resp, cond_means.transpose(1, 0, 2), cond_covs, log_marginal)


def _e_step(x, patterns, weights, means, covariances):
    """Responsibilities (N, K); each row completed by each component's conditional mean (K, N, d); the
    responsibility-weighted conditional covariances summed per component (K, d, d); the log-likelihood."""
    n, d = x.shape
    k = len(weights)
    resp, filled = np.empty((n, k)), np.repeat(x[None], k, 0)
    extra, log_lik = np.zeros((k, d, d)), 0.0
    for o, m, rows in patterns:
        c = mixture_conditional(weights, means, covariances, x[np.ix_(rows, o)], o, m)
        resp[rows] = c.weights
        log_lik += float(c.log_marginal.sum())
        if len(m):
            for j in range(k):
                filled[j][np.ix_(rows, m)] = c.means[:, j]
                extra[j][np.ix_(m, m)] += c.weights[:, j].sum() * c.covariances[j]
    return resp, filled, extra, log_lik


def _m_step(resp, filled, extra, reg):
    """Weights, means and covariances from the completed rows; the conditional covariances enter Sigma_k."""
    n, d = filled.shape[1:]
    nk = resp.sum(0) + 10 * np.finfo(float).eps  # (K,) soft counts, as scikit-learn
    means = np.einsum("nk,knd->kd", resp, filled) / nk[:, None]
    diff = filled - means[:, None]  # (K, N, d)
    covariances = (np.einsum("nk,kni,knj->kij", resp, diff, diff) + extra) / nk[:, None, None] + reg * np.eye(d)
    weights = nk / n
    return weights / weights.sum(), means, covariances


def check_incomplete(x) -> np.ndarray:
    """Rows (N, d) of floats where NaN is missing; a clear ValueError for what a fit cannot use."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(f"Data must be a table of shape (N, d) with at least 2 rows; got shape {x.shape}.")
    if np.isinf(x).any():
        raise ValueError("The data contain infinite values; use finite numbers (NaN marks a missing value).")
    empty = np.flatnonzero(np.isnan(x).all(0))
    if len(empty):
        raise ValueError(f"Column {int(empty[0]) + 1} is entirely missing: there is nothing to learn it from.")
    return x


def initial_parameters(x, k: int, rng, reg: float = 1e-6):
    """k distinct rows (missing values filled with the column means) as means, the diagonal of the observed
    variances for every covariance, equal weights."""
    col_mean, col_var = np.nanmean(x, 0), np.nanvar(x, 0)
    filled = np.where(np.isnan(x), col_mean, x)
    means = filled[rng.choice(len(x), size=k, replace=False)]
    cov = np.diag(col_var + reg + 1e-12)
    return np.full(k, 1.0 / k), means, np.repeat(cov[None], k, 0)


def fit_gmm_missing(x, k: int, iterations: int = 100, seed=0, reg: float = 1e-6, tol: float | None = None,
                    init=None) -> MixtureFit:
    """EM for a full-covariance Gaussian mixture on rows with NaN for missing values. `init` = (weights, means,
    covariances) or None for `initial_parameters`; `seed` an int or a numpy Generator. reg = 0 is exact EM, whose
    observed-data log-likelihood never decreases; reg > 0 adds reg to every diagonal like scikit-learn's
    reg_covar (a safeguard against collapse). Stops early when a step gains less than `tol` nats per row."""
    x = check_incomplete(x)
    if int(k) != k or not 1 <= k <= len(x):
        raise ValueError(f"The number of components must be a whole number from 1 to the number of rows "
                         f"({len(x)}); got {k}.")
    params = init if init is not None else initial_parameters(x, int(k), np.random.default_rng(seed), reg)
    patterns = missing_patterns(np.isnan(x))
    history = []
    for _ in range(iterations):
        resp, filled, extra, log_lik = _e_step(x, patterns, *params)
        history.append(log_lik)
        params = _m_step(resp, filled, extra, reg)
        if tol is not None and len(history) > 1 and history[-1] - history[-2] < tol * len(x):
            break
    history.append(_e_step(x, patterns, *params)[3])
    return MixtureFit(*params, history)


def sample_missing(fit: MixtureFit, x, rng) -> np.ndarray:
    """One draw of every missing value of x (N, d): a component from p(k | x_o), then x_m from that component's
    conditional Gaussian. Observed values are returned unchanged."""
    x = np.asarray(x, dtype=float)
    out = x.copy()
    for o, m, rows in missing_patterns(np.isnan(x)):
        if not len(m):
            continue
        c = mixture_conditional(fit.weights, fit.means, fit.covariances, x[np.ix_(rows, o)], o, m)
        comp = (rng.random(len(rows))[:, None] > np.cumsum(c.weights, 1)).sum(1)  # inverse-CDF draw of k
        comp = np.minimum(comp, len(fit.weights) - 1)
        jitter = 1e-12 * np.eye(len(m)) * max(1.0, float(np.abs(c.covariances).max()))
        chol = np.linalg.cholesky(c.covariances + jitter)  # (K, d_m, d_m)
        z = rng.standard_normal((len(rows), len(m)))
        out[np.ix_(rows, m)] = c.means[np.arange(len(rows)), comp] + np.einsum("nij,nj->ni", chol[comp], z)
    return out
