"""Evaluation of generative models: distances between samples and held-out data.

Sliced Wasserstein (Rabin et al. 2011): the mean over random directions of the 1-D Wasserstein-1
distance between the two sets projected on each direction.
"""
import numpy as np
import torch


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256, seed: int = 0) -> float:
    """SW_1 between point sets a (N, d) and b (M, d), seeded; 0 only when all projections agree."""
    g = torch.Generator().manual_seed(seed)
    dirs = torch.randn(a.shape[1], projections, generator=g, dtype=torch.float64)
    dirs /= dirs.norm(dim=0, keepdim=True)
    pa, pb = (x.double().cpu() @ dirs for x in (a, b))  # (N, P), (M, P)
    # W1 in 1-D is the L1 distance between quantile functions; compare them on a common grid.
    qs = torch.linspace(0, 1, max(len(a), len(b)), dtype=torch.float64)
    qa, qb = (torch.quantile(p, qs, dim=0) if len(p) != len(qs) else p.sort(0).values for p in (pa, pb))
    return float((qa - qb).abs().mean())


def gaussian_fit_samples(train: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """n samples of the Gaussian with the training data's mean and covariance: the baseline."""
    g = torch.Generator().manual_seed(seed)
    mean, cov = train.double().mean(0), torch.cov(train.double().T)
    chol = torch.linalg.cholesky(cov + 1e-9 * torch.eye(len(cov), dtype=torch.float64))
    return (mean + torch.randn(n, len(mean), generator=g, dtype=torch.float64) @ chol.T).float()


def toy_quality(model, test: tuple, train: tuple, n: int = 5000, steps: int = 100) -> dict:
    """Per shape: SW_1 of model samples (an ODE of `steps` steps) and of a fitted Gaussian to held-out data."""
    (test_x, test_y), (train_x, train_y) = test[:2], train[:2]
    figures = {}
    for k, shape in enumerate(model.shapes):
        held_out = test_x[test_y == k][:n]
        samples = model.sample(len(held_out), generator=torch.Generator().manual_seed(k), shape=k, steps=steps).cpu()
        baseline = gaussian_fit_samples(train_x[train_y == k], len(held_out), seed=k)
        key = shape.replace(" ", "_")
        figures[f"sw_{key}_model"] = round(sliced_wasserstein(samples, held_out), 4)
        figures[f"sw_{key}_gaussian_fit"] = round(sliced_wasserstein(baseline, held_out), 4)
    figures["sw_mean_model"] = round(float(np.mean([v for k, v in figures.items() if k.endswith("_model")])), 4)
    return figures
