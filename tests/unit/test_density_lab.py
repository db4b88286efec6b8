"""The density lab the tab draws from: methods, held-out curves, the curse of dimensionality."""
import numpy as np
import pytest

from playground.tasks.density import DensityLab, curse_of_dimensionality, lab_for
from playground.toydata import TOY_1D, TOY_2D, toy_sample


def test_small_data_draws_each_kernel_and_the_true_density():
    lab = DensityLab(toy_sample("six points", 6), None)
    est = lab.estimate(1.0, "gaussian")
    assert est.components.shape == (6, 1024)
    np.testing.assert_allclose(est.components.sum(0), est.density, rtol=1e-10)
    assert est.true is None
    lab2 = DensityLab(toy_sample("standard normal", 500, 1), TOY_1D["standard normal"].pdf)
    est2 = lab2.estimate(0.3, "box")
    assert est2.components is None and est2.true.shape == est2.density.shape
    assert est2.mass_shown == pytest.approx(1.0, abs=1e-3)


def test_million_points_use_the_fast_methods():
    lab = DensityLab(toy_sample("bimodal mixture", 1_000_000, 0, dim=1), TOY_1D["bimodal mixture"].pdf)
    assert lab.estimate(0.05, "gaussian").method.startswith("linear binning")
    assert lab.estimate(0.05, "box").method.startswith("exact, from sorted")
    lab2 = DensityLab(toy_sample("moons", 1_000_000, 0, dim=2), None)
    est = lab2.estimate(0.05, "gaussian")
    assert est.density.shape == (256, 256) and est.method.startswith("linear binning")


@pytest.mark.parametrize("n", [600, 200_000])
def test_heldout_curve_peaks_inside_and_training_score_keeps_rising(n):
    lab = DensityLab(toy_sample("bimodal mixture", n, 3, dim=1), None)
    hs, train_ll, test_ll = lab.heldout("gaussian")
    best = int(np.argmax(test_ll))
    assert 0 < best < len(hs) - 1  # under- and over-smoothing both score worse
    assert train_ll[0] > train_ll[best]  # in-sample likelihood rewards the narrowest kernel


def test_2d_heldout_and_rules():
    lab = DensityLab(toy_sample("8 gaussians", 3000, 0, dim=2), TOY_2D["8 gaussians"].pdf)
    hs, _, test_ll = lab.heldout("epanechnikov")
    assert np.isfinite(test_ll).all()
    assert 0.05 < lab.rule("cv") < lab.rule("silverman")


def test_lab_memo_returns_the_same_object():
    made = []
    key = ("test", 1)
    first = lab_for(key, lambda: made.append(1) or DensityLab(np.arange(10.0), None))
    assert lab_for(key, lambda: made.append(1)) is first and len(made) == 1


def test_curse_of_dimensionality_kde_wins_low_and_loses_high():
    rows = curse_of_dimensionality(n=400, max_dim=8, seed=0, n_test=1000)
    assert [r["dim"] for r in rows] == list(range(1, 9))
    assert rows[0]["kde"] < rows[0]["gauss"]
    assert rows[-1]["kde"] > rows[-1]["gauss"]
    assert rows[-1]["kde"] > 3 * rows[0]["kde"]
