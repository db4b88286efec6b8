"""EM for Gaussian mixtures checked against scikit-learn (M-step, one EM iteration, parameter counts, BIC)
and scipy (log-likelihood), plus sampling, input checks and the tab's figures."""
import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters

from playground.models.gmm import COVARIANCE_TYPES, bic, fit_em, log_density, parameter_count, sample
from playground.tasks import gmm_lab
from playground.toydata import toy_sample


def _blobs(n=600, d=2, seed=0):
    x, _ = make_blobs(n, d, centers=4, random_state=seed)
    return x @ np.random.default_rng(seed).normal(size=(d, d))  # sheared, so the clusters are correlated


DATA = {"gaussian mixture": lambda: toy_sample("gaussian mixture", 800, 3), "moons": lambda: toy_sample("moons", 800, 4),
        "sheared blobs 3-D": lambda: _blobs(600, 3, 5)}


def _sklearn_covariances_as_full(cov, kind, k, d):
    """scikit-learn's covariances_ (shape depends on the type) as (K, d, d) matrices."""
    cov = np.asarray(cov)
    if kind == "full":
        return cov
    if kind == "tied":
        return np.broadcast_to(cov, (k, d, d))
    variances = cov if kind == "diag" else np.repeat(cov[:, None], d, 1)
    return variances[:, :, None] * np.eye(d)


def _sklearn_precisions(state, kind):
    """Our state's precisions in the shape GaussianMixture(precisions_init=...) wants for the type."""
    precisions = np.linalg.inv(state.covariances)
    return {"full": precisions, "tied": precisions[0], "diag": np.diagonal(precisions, axis1=1, axis2=2),
            "spherical": precisions[:, 0, 0]}[kind]


def _sklearn_one_iteration(x, state, kind, reg):
    gm = GaussianMixture(len(state.weights), covariance_type=kind, max_iter=1, reg_covar=reg, weights_init=state.weights,
                         means_init=state.means, precisions_init=_sklearn_precisions(state, kind), random_state=0)
    with pytest.warns(ConvergenceWarning):  # one iteration is not converged
        return gm.fit(x)


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
@pytest.mark.parametrize("data", DATA)
def test_em_never_decreases_the_log_likelihood(kind, data):
    x = DATA[data]()
    for seed in range(3):
        for k in (2, 5):
            ll = np.array([s.log_likelihood for s in fit_em(x, k, kind, iterations=40, seed=seed)])
            assert np.all(np.diff(ll) >= -1e-10), (seed, k, np.diff(ll).min())
            assert ll[-1] > ll[0] + 0.05  # and it actually learns something


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_m_step_equals_sklearns_estimate_gaussian_parameters(kind):
    """history[t + 1]'s weights, means and covariances are sklearn's M-step from history[t]'s responsibilities."""
    x, reg = _blobs(500, 3, 1), 1e-4
    history = fit_em(x, 4, kind, iterations=3, seed=2, reg=reg)
    for before, after in zip(history, history[1:]):
        nk, means, cov = _estimate_gaussian_parameters(x, before.responsibilities, reg, kind)
        np.testing.assert_allclose(after.weights, nk / nk.sum(), rtol=1e-10)
        np.testing.assert_allclose(after.means, means, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(after.covariances, _sklearn_covariances_as_full(cov, kind, 4, 3), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_one_em_iteration_equals_sklearns_from_our_initialisation(kind):
    """sklearn started at our state 0 (weights_init, means_init, precisions_init), max_iter=1: its lower bound is
    our state 0's mean log-likelihood, its parameters are our state 1, and its score and BIC match ours."""
    x, reg = toy_sample("8 gaussians", 700, 6), 1e-6
    history = fit_em(x, 5, kind, iterations=1, seed=1, reg=reg)
    gm = _sklearn_one_iteration(x, history[0], kind, reg)
    one = history[1]
    assert gm.lower_bound_ == pytest.approx(history[0].log_likelihood, rel=1e-10)
    np.testing.assert_allclose(gm.weights_, one.weights, rtol=1e-9)
    np.testing.assert_allclose(gm.means_, one.means, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_sklearn_covariances_as_full(gm.covariances_, kind, 5, 2), one.covariances, rtol=1e-8)
    assert gm.score(x) == pytest.approx(one.log_likelihood, rel=1e-9)
    assert gm.bic(x) == pytest.approx(bic(one), rel=1e-9)
    np.testing.assert_allclose(gm.predict_proba(x), one.responsibilities, atol=1e-9)


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_log_likelihood_and_density_equal_a_scipy_mixture(kind):
    x = _blobs(300, 2, 2)
    state = fit_em(x, 3, kind, iterations=10, seed=0)[-1]

    def mixture(points):
        return sum(w * multivariate_normal(m, c).pdf(points) for w, m, c in zip(state.weights, state.means, state.covariances))

    assert state.log_likelihood == pytest.approx(np.log(mixture(x)).mean(), rel=1e-10)
    grid = np.random.default_rng(0).uniform(x.min(0), x.max(0), (50, 2))
    np.testing.assert_allclose(log_density(state, grid), np.log(mixture(grid)), rtol=1e-10)
    np.testing.assert_allclose(state.responsibilities.sum(1), 1.0, rtol=1e-12)


def test_far_points_do_not_underflow():
    x = toy_sample("gaussian mixture", 400, 0)
    state = fit_em(np.vstack([x, [[60.0, -60.0]]]), 3, "full", iterations=20)[-1]
    far = log_density(state, np.array([[1e3, 1e3], [-500.0, 80.0]]))
    assert np.all(np.isfinite(far)) and np.all(far < -100)
    assert np.all(np.isfinite(state.responsibilities)) and np.isfinite(state.log_likelihood)


def test_tol_stops_early_and_the_initialisation_is_seeded():
    x = toy_sample("moons", 500, 1)
    history = fit_em(x, 4, "full", iterations=200, tol=1e-4)
    gains = np.diff([s.log_likelihood for s in history])
    assert len(history) < 201 and gains[-1] < 1e-4 and np.all(gains[:-1] >= 1e-4)
    first = fit_em(x, 4, iterations=0, seed=3)
    assert len(first) == 1 and np.allclose(first[0].weights, 0.25)
    assert np.all(np.isin(first[0].means, x))  # means picked from the data
    np.testing.assert_allclose(first[0].means, fit_em(x, 4, iterations=0, seed=3)[0].means)
    assert not np.allclose(first[0].means, fit_em(x, 4, iterations=0, seed=4)[0].means)


def test_initialisation_spreads_the_means_and_uses_the_data_covariance():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 0.1, (300, 2)), rng.normal(20, 0.1, (10, 2))])  # a big and a small far cluster
    for seed in range(20):  # k-means++ picks the far cluster by distance; uniform picks would miss it ~90% of the time
        means = fit_em(x, 2, iterations=0, seed=seed)[0].means
        assert np.ptp(means[:, 0]) > 15, seed
    cov = np.cov(x.T, bias=True)
    expected = {"full": cov, "tied": cov, "diag": np.diag(np.diag(cov)), "spherical": np.trace(cov) / 2 * np.eye(2)}
    for kind, matrix in expected.items():
        np.testing.assert_allclose(fit_em(x, 3, kind, iterations=0, reg=0.0)[0].covariances, np.stack([matrix] * 3))


def test_samples_shape_frequencies_moments_and_seed():
    state = fit_em(_blobs(800, 2, 3), 3, "full", iterations=30)[-1]
    pts, comp = sample(state, 60_000, seed=5)
    assert pts.shape == (60_000, 2) and comp.shape == (60_000,)
    np.testing.assert_allclose(np.bincount(comp, minlength=3) / 60_000, state.weights, atol=0.01)
    for j in range(3):
        np.testing.assert_allclose(pts[comp == j].mean(0), state.means[j], atol=0.1 * np.sqrt(state.covariances[j].max()))
        np.testing.assert_allclose(np.cov(pts[comp == j].T), state.covariances[j], rtol=0.1, atol=0.05 * state.covariances[j].max())
    again, comp_again = sample(state, 60_000, seed=5)
    np.testing.assert_array_equal(pts, again)
    np.testing.assert_array_equal(comp, comp_again)
    assert not np.array_equal(pts[:100], sample(state, 100, seed=6)[0])


@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
@pytest.mark.parametrize("k, d", [(1, 1), (3, 2), (4, 5)])
def test_parameter_count_equals_sklearns(kind, k, d):
    x = np.random.default_rng(0).normal(size=(60, d))
    gm = GaussianMixture(k, covariance_type=kind, random_state=0).fit(x)
    assert parameter_count(k, d, kind) == gm._n_parameters()


@pytest.mark.parametrize("args, message", [
    ((np.zeros((10, 2)), 0), "number of components"),
    ((np.zeros((10, 2)), 11), "number of components"),
    ((np.zeros((10, 2)), 2.5), "number of components"),
    ((np.zeros((10, 2)), 2, "banana"), "Unknown covariance type"),
    ((np.array([[0.0, np.nan], [1.0, 2.0], [3.0, 1.0]]), 2), "NaN"),
    ((np.zeros((1, 2)), 1), "at least 2 points"),
    ((np.zeros((4, 2, 2)), 1), "shape"),
    ((np.zeros((10, 2)), 2, "full", -1), "non-negative"),
])
def test_bad_input_raises_a_clear_value_error(args, message):
    with pytest.raises(ValueError, match=message):
        fit_em(*args)
    with pytest.raises(ValueError, match="Unknown covariance type"):
        parameter_count(2, 2, "banana")


def test_collapsed_component_without_regularisation_is_a_clear_error():
    x = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(ValueError, match="increase reg"):
        fit_em(x, 5, iterations=5, reg=0.0)
    assert np.isfinite(fit_em(x, 5, iterations=5)[-1].log_likelihood)  # the default reg keeps it finite


def test_em_figure_traces_colours_and_ellipses():
    x = toy_sample("gaussian mixture", 3000, 2)
    history = fit_em(x, 3, "full", iterations=15)
    fig = gmm_lab.em_figure(x, history, 7)
    assert len(fig.data) == 1 + 2 * 3 + 1 and len(fig.data[0].x) == 2000  # points shown at most MAX_SHOWN_POINTS
    assert "step 7" in fig.layout.title.text and fig.layout.yaxis.scaleanchor == "x"
    state = history[7]
    for j in range(3):
        for radius, trace in ((1, fig.data[1 + 2 * j]), (2, fig.data[2 + 2 * j])):
            ring = np.stack([trace.x, trace.y], 1) - state.means[j]
            maha = np.einsum("ni,ij,nj->n", ring, np.linalg.inv(state.covariances[j]), ring)
            np.testing.assert_allclose(maha, radius ** 2, rtol=1e-9)
    with_samples = gmm_lab.em_figure(x, history, 99, show_samples=250)  # step clamped to the last
    assert len(with_samples.data) == 1 + 2 * 3 + 2 and len(with_samples.data[-1].x) == 250
    assert f"step {len(history) - 1} " in with_samples.layout.title.text
    with pytest.raises(ValueError, match="2-D"):
        gmm_lab.em_figure(np.zeros((10, 3)), history, 0)


def test_uncertain_points_blend_the_component_colours():
    blended = gmm_lab._blended_colours(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    first, second = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in blended[:2])
    assert blended[0] == gmm_lab.DIGIT_COLOURS[0].lower() and blended[1] == gmm_lab.DIGIT_COLOURS[1].lower()
    mid = np.array([int(blended[2][i:i + 2], 16) for i in (1, 3, 5)])
    assert np.all(np.abs(mid - (first + second) / 2) <= 1)


def test_loglik_figure_animation_and_table():
    x = toy_sample("moons", 4000, 0)
    history = fit_em(x, 4, "diag", iterations=60)
    ll = gmm_lab.loglik_figure(history, 12)
    assert len(ll.data) == 2 and len(ll.data[0].y) == 61 and ll.data[1].x == (12,)
    anim = gmm_lab.em_animation(x, history)
    assert len(anim.frames) == 40 and len(anim.layout.sliders[0].steps) == 40
    assert len(anim.data) == 1 + 2 * 4 + 1 and len(anim.data[0].x) == 1500
    assert all(len(f.data) == 1 + 2 * 4 + 1 for f in anim.frames)
    assert anim.frames[-1].name == "60" and len(gmm_lab.em_animation(x, history[:5]).frames) == 5
    table = gmm_lab.summary_table(history)
    assert table["headers"] == ["component", "weight", "mean", "covariance"] and len(table["data"]) == 4
    assert sum(row[1] for row in table["data"]) == pytest.approx(1.0, abs=1e-3)
    assert table["data"][0][2].startswith("(") and table["data"][0][3].startswith("[[")
