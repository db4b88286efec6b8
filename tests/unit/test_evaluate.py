"""Sample-quality figures against scipy, and the straightness of ODE paths."""
import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from playground.tasks.evaluate import gaussian_fit_samples, sliced_wasserstein
from playground.tasks.flow_paths import straightness


def test_sliced_wasserstein_is_the_mean_of_scipys_1d_distances():
    a, b = torch.randn(400, 2), torch.randn(400, 2) * 1.3 + torch.tensor([0.7, -0.2])
    g = torch.Generator().manual_seed(0)
    dirs = torch.randn(2, 32, generator=g, dtype=torch.float64)
    dirs /= dirs.norm(dim=0, keepdim=True)
    ref = np.mean([wasserstein_distance(a.double() @ dirs[:, k], b.double() @ dirs[:, k]) for k in range(32)])
    assert sliced_wasserstein(a, b, projections=32) == pytest.approx(ref, rel=1e-10)
    assert sliced_wasserstein(a, a) == 0.0


def test_gaussian_fit_samples_have_the_training_moments():
    train = torch.randn(5000, 2) @ torch.tensor([[2.0, 0.0], [0.8, 0.5]]) + torch.tensor([1.0, -3.0])
    s = gaussian_fit_samples(train, 200_000)
    torch.testing.assert_close(s.mean(0), train.mean(0), atol=0.02, rtol=0)
    torch.testing.assert_close(torch.cov(s.T), torch.cov(train.T), atol=0.03, rtol=0)


def test_straightness_is_one_for_lines_and_less_for_curves():
    t = torch.linspace(0, 1, 30)[:, None, None]
    start, end = torch.randn(1, 50, 2), torch.randn(1, 50, 2)
    assert straightness(start + (t ** 3) * (end - start)) == pytest.approx(1.0, abs=1e-6)  # speed does not matter
    angle = t * torch.pi  # half circles
    arc = torch.cat([torch.cos(angle), torch.sin(angle)], -1).expand(30, 50, 2)
    assert straightness(arc) == pytest.approx(2 / torch.pi, rel=1e-2)
