"""Bandwidth rules against KDEpy and scipy; CV against the ISE-optimal bandwidth of a known mixture."""
import numpy as np
import pytest
from KDEpy.bw_selection import improved_sheather_jones, scotts_rule, silvermans_rule
from scipy.stats import gaussian_kde

from playground.models import bandwidth as bw
from playground.toydata import TOY_1D

RNG = np.random.default_rng(7)
SETS = {"normal": RNG.normal(size=500), "t3": RNG.standard_t(3, 2000), "lognormal": RNG.lognormal(0, 0.6, 800),
        "bimodal": np.r_[RNG.normal(-2, 0.5, 300), RNG.normal(1.5, 1, 700)]}


@pytest.mark.parametrize("name", SETS)
def test_scott_and_silverman_match_kdepy(name):
    x = SETS[name]
    assert bw.scott(x)[0] == pytest.approx(scotts_rule(x.reshape(-1, 1)), rel=1e-12)
    assert bw.silverman(x)[0] == pytest.approx(silvermans_rule(x.reshape(-1, 1)), rel=1e-12)


def test_rules_match_scipy_factors_when_sigma_is_the_standard_deviation():
    x = np.random.default_rng(0).uniform(size=(600, 2))  # uniform: std < IQR / 1.349, so sigma = std
    for rule, name in ((bw.scott, "scott"), (bw.silverman, "silverman")):
        for j in range(2):
            kde = gaussian_kde(x[:, j], bw_method=name)
            assert rule(x[:, j])[0] == pytest.approx(kde.factor * x[:, j].std(ddof=1), rel=1e-12)
        kde2 = gaussian_kde(x.T, bw_method=name)
        np.testing.assert_allclose(rule(x), kde2.factor * x.std(0, ddof=1), rtol=1e-12)


@pytest.mark.parametrize("name", ["normal", "bimodal", "t3"])
def test_isj_solves_the_same_fixed_point_as_kdepy(name):
    # With R >= 12, KDEpy pads by R/2 as we do but scales t* by R instead of the grid width 2R
    # (KDEpy issues #199 / #201), so its value is exactly half of Botev's, which we return.
    x = SETS[name] * 12 / np.ptp(SETS[name]) * 1.5
    assert bw.isj(x)[0] == pytest.approx(2 * improved_sheather_jones(x.reshape(-1, 1)), rel=1e-9)


def test_isj_is_scale_equivariant_and_near_amise_optimal_on_a_large_normal_sample():
    x = np.random.default_rng(1).normal(size=100_000)
    h = bw.isj(x)[0]
    assert bw.isj(x * 0.01)[0] == pytest.approx(0.01 * h, rel=1e-9)
    assert h == pytest.approx(1.0592 * 100_000 ** -0.2, rel=0.1)  # (4/3)^(1/5) sigma n^(-1/5)


def test_cv_picks_a_sensible_bandwidth_on_a_known_mixture():
    toy = TOY_1D["bimodal mixture"]
    x = toy.sample(1000, np.random.default_rng(2))
    grid = np.linspace(-6, 7, 4000)
    true = toy.pdf(grid)
    hs = np.geomspace(0.03, 1.5, 60)
    ise = [np.trapezoid((gaussian_kde(x, bw_method=h / x.std(ddof=1))(grid) - true) ** 2, grid) for h in hs]
    h_best = hs[int(np.argmin(ise))]
    h_cv = bw.cross_validated(x)[0]
    assert h_best / 1.6 < h_cv < h_best * 1.6
    assert bw.silverman(x)[0] > h_cv  # the classic lesson: the normal reference rule over-smooths two modes


def test_rules_refuse_unusable_data():
    with pytest.raises(bw.BandwidthError, match="at least 2"):
        bw.select("scott", [1.0])
    for rule in ("scott", "silverman", "isj"):
        with pytest.raises(bw.BandwidthError, match="bandwidth 0"):
            bw.select(rule, [3.0, 3.0, 3.0])
    with pytest.raises(bw.BandwidthError, match="1-D rule"):
        bw.select("isj", np.zeros((10, 2)) + np.arange(10)[:, None])
    with pytest.raises(bw.BandwidthError, match="Unknown"):
        bw.select("magic", [1.0, 2.0])
