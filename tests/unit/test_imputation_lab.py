"""Imputation lab backend: the conditional Gaussian against the precision-matrix form, the mixture conditional
against a brute-force density ratio, EM with missing data (monotone; equal to scikit-learn without gaps), Rubin's
rules by hand, variance shrinkage of mean imputation against multiple imputation, masks, and bad tables."""
import math

import numpy as np
import pytest
from scipy import stats
from sklearn.mixture import GaussianMixture

from playground.models import gmm_missing
from playground.tasks import imputation, rubin


def _random_cov(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T + 0.5 * np.eye(d)


def test_conditional_gaussian_matches_precision_form():
    rng = np.random.default_rng(0)
    cov, mu = _random_cov(rng, 5), rng.standard_normal(5)
    o, m = np.array([0, 2, 4]), np.array([1, 3])
    x_obs = rng.standard_normal((7, 3))
    mean, c = gmm_missing.conditional_gaussian(mu, cov, x_obs, o, m)
    prec = np.linalg.inv(cov)  # Lambda
    lam_mm_inv = np.linalg.inv(prec[np.ix_(m, m)])
    expected = mu[m] - (x_obs - mu[o]) @ (lam_mm_inv @ prec[np.ix_(m, o)]).T
    np.testing.assert_allclose(c, lam_mm_inv, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean, expected, rtol=1e-10, atol=1e-12)
    one, _ = gmm_missing.conditional_gaussian(mu, cov, x_obs[0], o, m)
    np.testing.assert_allclose(one, expected[0], rtol=1e-10)
    marginal_mean, marginal_cov = gmm_missing.conditional_gaussian(mu, cov, np.zeros((2, 0)), [], m)
    np.testing.assert_allclose(marginal_mean, np.tile(mu[m], (2, 1)))
    np.testing.assert_allclose(marginal_cov, cov[np.ix_(m, m)])


def test_mixture_conditional_matches_brute_force_density_ratio():
    rng = np.random.default_rng(1)
    weights = np.array([0.5, 0.3, 0.2])
    means = rng.standard_normal((3, 3)) * 2
    covs = np.stack([_random_cov(rng, 3) for _ in range(3)])
    o, m, x_obs = np.array([0, 2]), np.array([1]), np.array([0.4, -0.7])
    c = gmm_missing.mixture_conditional(weights, means, covs, x_obs, o, m)
    grid = np.linspace(-40, 40, 40001)
    points = np.zeros((len(grid), 3))
    points[:, o], points[:, 1] = x_obs, grid
    joint = np.stack([w * stats.multivariate_normal(mu, s).pdf(points) for w, mu, s in zip(weights, means, covs)])
    p_obs = np.trapezoid(joint.sum(0), grid)  # p(x_o), by integrating x_m out on the grid
    np.testing.assert_allclose(c.weights[0], np.trapezoid(joint, grid, axis=1) / p_obs, rtol=1e-6)
    np.testing.assert_allclose(c.log_marginal[0], math.log(p_obs), rtol=1e-8)
    conditional = sum(w * stats.norm(mu[0], math.sqrt(s[0, 0])).pdf(grid)
                      for w, mu, s in zip(c.weights[0], c.means[0], c.covariances))
    np.testing.assert_allclose(conditional, joint.sum(0) / p_obs, rtol=1e-6, atol=1e-12)


def _mixture_data(n=300, seed=0, rate=0.3):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [4, 1, -2], [-3, 3, 2]])
    x = centres[rng.integers(3, size=n)] + rng.standard_normal((n, 3)) @ np.diag([1.0, 0.6, 1.3])
    full = x.copy()
    x[rng.random(x.shape) < rate] = np.nan
    return x, full


def test_em_with_missing_data_never_decreases_the_observed_log_likelihood():
    x, _ = _mixture_data()
    assert np.isnan(x).mean() > 0.25
    fit = gmm_missing.fit_gmm_missing(x, 3, iterations=80, seed=2, reg=0.0)
    steps = np.diff(fit.log_likelihood)
    assert len(steps) == 80 and steps.min() >= -1e-8 * abs(fit.log_likelihood[-1])
    assert fit.log_likelihood[-1] - fit.log_likelihood[0] > 50  # it did climb


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tol = 0: it runs all 25 steps
def test_em_without_gaps_equals_scikit_learn():
    _, x = _mixture_data(seed=3)
    init = gmm_missing.initial_parameters(x, 3, np.random.default_rng(0), reg=1e-6)
    fit = gmm_missing.fit_gmm_missing(x, 3, iterations=25, reg=1e-6, init=init)
    ref = GaussianMixture(3, covariance_type="full", reg_covar=1e-6, max_iter=25, tol=0, weights_init=init[0],
                          means_init=init[1], precisions_init=np.linalg.inv(init[2])).fit(x)
    np.testing.assert_allclose(fit.weights, ref.weights_, rtol=1e-8)
    np.testing.assert_allclose(fit.means, ref.means_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.covariances, ref.covariances_, rtol=1e-8, atol=1e-10)
    assert fit.log_likelihood[-2] / len(x) == pytest.approx(ref.lower_bound_, rel=1e-10)


def test_rubins_rules_by_hand():
    q, u = [1.0, 1.2, 0.9, 1.1, 1.3], [0.04, 0.05, 0.045, 0.05, 0.055]
    p = rubin.rubin(q, u)
    # Q_bar = 1.1, U_bar = 0.048, B = (0.01 + 0.01 + 0.04 + 0 + 0.04) / 4 = 0.025, T = 0.048 + 1.2 * 0.025 = 0.078,
    # df = 4 (1 + 0.048 / 0.03)^2 = 4 * 2.6^2 = 27.04
    assert (p.qbar, p.ubar, p.between, p.total, p.df) == pytest.approx((1.1, 0.048, 0.025, 0.078, 27.04))
    half = stats.t.ppf(0.975, 27.04) * math.sqrt(0.078)
    assert 2.05 < stats.t.ppf(0.975, 27.04) < 2.053 and (p.lower, p.upper) == pytest.approx((1.1 - half, 1.1 + half))
    assert not p.naive
    single = rubin.rubin([2.0], [0.25])
    assert single.naive and (single.lower, single.upper) == pytest.approx((2 - 1.959964 * 0.5, 2 + 1.959964 * 0.5))
    assert rubin.rubin([3.0, 3.0, 3.0], [1.0, 1.0, 1.0]).naive


def test_standard_errors_of_the_statistics():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 2)) @ np.array([[1.0, 0.5], [0.0, 2.0]])
    est = {kind + str(s): (q, u) for s, (kind, _, q, u) in enumerate(rubin.estimates(x, 0, 1, ["a", "b"]))}
    ref = stats.linregress(x[:, 0], x[:, 1])
    assert est["slope5"] == pytest.approx((ref.slope, ref.stderr ** 2))
    assert est["correlation4"] == pytest.approx((math.atanh(ref.rvalue), 1 / 47))
    s2 = x[:, 0].var(ddof=1)
    assert est["mean0"] == pytest.approx((x[:, 0].mean(), s2 / 50)) and est["variance1"] == pytest.approx((s2, 2 * s2 ** 2 / 49))


@pytest.fixture(scope="module")
def bivariate():
    """y ~ N(0, 4) with correlation 0.7 to an always-observed x; 40% of y removed completely at random; the
    table before masking, the masked one, and 20 imputations by three methods."""
    rng = np.random.default_rng(5)
    n = 600
    x = rng.standard_normal(n)
    y = 2 * (0.7 * x + math.sqrt(1 - 0.49) * rng.standard_normal(n))
    full = np.column_stack([x, y])
    masked = np.where(imputation.make_missing(full, "MCAR", 0.4, rng), np.nan, full)
    methods = ("mean", "GMM multiple imputation", "MIWAE multiple imputation")
    return full, masked, {method: imputation.impute(method, masked, 20, 1, seed=0) for method in methods}


def test_mean_imputation_shrinks_the_variance_and_multiple_imputation_does_not(bivariate):
    full, _, completed = bivariate
    true_var, true_r = full[:, 1].var(ddof=1), np.corrcoef(full.T)[0, 1]
    ratio = {method: c[:, :, 1].var(1, ddof=1).mean() / true_var for method, c in completed.items()}
    pooled = {method: rubin.pool(c, 0, 1, ["x", "y"]) for method, c in completed.items()}
    assert ratio["mean"] < 0.7  # about 1 - 0.4 of it is left
    var, r = pooled["mean"][3][2], pooled["mean"][4][2]
    assert var.naive and var.upper < 4 and r.upper < 0.6  # its intervals miss sigma^2 = 4 and rho = 0.7
    for method in ("GMM multiple imputation", "MIWAE multiple imputation"):
        assert abs(ratio[method] - 1) < 0.1, method
        mean, var, r = (pooled[method][s][2] for s in (2, 3, 4))
        assert not mean.naive and mean.lower < 0 < mean.upper and var.lower < 4 < var.upper, method
        # an imputation that ignored x would keep the variance but halve the correlation (0.42 untrained)
        assert abs(r.estimate - true_r) < 0.06 and r.lower < 0.7 < r.upper, method


def test_observed_values_are_never_changed_and_draws_are_seeded(bivariate):
    full, masked, completed = bivariate
    seen = ~np.isnan(masked)
    for c in completed.values():
        assert np.isfinite(c).all() and (c[:, seen] == masked[seen]).all()
    x = imputation.textbook_table().values
    seen = ~np.isnan(x)
    for method in imputation.METHODS:
        c = imputation.impute(method, x, 3, 1, seed=1)
        assert c.shape == (1 if method in ("mean", "regression") else 3,) + x.shape
        assert np.isfinite(c).all() and (c[:, seen] == x[seen]).all(), method
        np.testing.assert_array_equal(c, imputation.impute(method, x, 3, 1, seed=1))
        assert method in ("mean", "regression") or c.std(0)[~seen].min() > 0  # the draws differ


def test_make_missing_rates_and_what_they_depend_on():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3000, 3))  # independent columns: only the driver can explain missingness
    for mechanism in imputation.MECHANISMS:
        for rate in (0.1, 0.3, 0.6):
            mask = imputation.make_missing(x, mechanism, rate, rng)
            assert not mask[:, 0].any() and abs(mask[:, 1:].mean() - rate) < 0.03, (mechanism, rate)

    def gaps(mechanism):  # how much higher the driver and the value itself are where column 1 is missing
        miss = imputation.make_missing(x, mechanism, 0.3, 7)[:, 1]
        return x[miss, 0].mean() - x[~miss, 0].mean(), x[miss, 1].mean() - x[~miss, 1].mean()

    assert max(map(abs, gaps("MCAR"))) < 0.1
    mar, mnar = gaps("MAR"), gaps("MNAR")
    assert mar[0] > 1 and abs(mar[1]) < 0.1
    assert mnar[1] > 1 and abs(mnar[0]) < 0.1
    with pytest.raises(ValueError, match="Unknown missingness mechanism"):
        imputation.make_missing(x, "MAYBE", 0.3, 0)


def test_parse_table_reads_gaps_and_refuses_bad_tables():
    t = imputation.parse_table([[1, ""], ["NA", "2.5"], [None, "NaN"], [4, 5], [float("nan"), 1], [2, 3]], ["a", "b"])
    assert np.isnan(t.values).sum() == 5 and t.values[1, 1] == 2.5
    good = [[1, 2], [2, 3], [3, None], [4, 6], [5, 4]]
    bad = {"entirely missing": ([[1, None]] * 6, ["a", "b"]),
           r"non-numeric value 'abc' in row 2": ([[1, 2], [2, "abc"]] + good[2:], ["a", "b"]),
           "Column 'b'": ([[1, 2], [2, "abc"]] + good[2:], ["a", "b"]),
           "1 row; imputation needs at least 5": ([[1, 2]], ["a", "b"]),
           "empty": ([], ["a", "b"]),
           "too large": ([[1, 2]] * 5000, ["a", "b"]),
           "at least two columns": ([[1]] * 6, ["a"]),
           "distinct": (good, ["a", "a"]),
           "infinite": (good[:4] + [[1, float("inf")]], ["a", "b"])}
    for message, (rows, columns) in bad.items():
        with pytest.raises(ValueError, match=message):
            imputation.parse_table(rows, columns)
    with pytest.raises(ValueError, match="needs at least 8 rows"):
        imputation.impute("GMM multiple imputation", imputation.textbook_table().values, 3, 2)


def test_imputed_cells_show_spread_only_where_imputed():
    x = np.array([[1.0, np.nan], [2.0, 3.0]])
    completed = np.array([[[1.0, 4.0], [2.0, 3.0]], [[1.0, 6.0], [2.0, 3.0]]])
    assert imputation.imputed_cells(x, completed) == [["1", "5 ± 1.4"], ["2", "3"]]
