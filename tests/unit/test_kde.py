"""KDE maths against trusted references: scipy's gaussian_kde, exact float64 sums, KDEpy's binning."""
import numpy as np
import pytest
import torch
from scipy.stats import gaussian_kde

from playground.models.kde import (EXACT_LIMIT, KERNELS, KDE, METHOD_BINNED, METHOD_EXACT, METHOD_SORTED,
                                   check_bandwidth, exact_log_density, kernel_pdf, linear_binning)

RNG = np.random.default_rng(0)
BIMODAL = np.concatenate([RNG.normal(-2, 0.5, 300), RNG.normal(1, 1, 700)])


def exact_sum(grid, x, h, kernel):
    """The textbook definition in float64 numpy: 1/(N h) sum_i K((g - x_i) / h)."""
    u = (grid[:, None] - x[None, :]) / h
    if kernel == "gaussian":
        k = np.exp(-0.5 * u * u) / np.sqrt(2 * np.pi)
    else:
        a = {"box": np.sqrt(3), "triangular": np.sqrt(6), "epanechnikov": np.sqrt(5)}[kernel]
        r = np.abs(u) / a
        k = {"box": (r <= 1) / (2 * a), "triangular": np.clip(1 - r, 0, None) / a,
             "epanechnikov": 0.75 * np.clip(1 - r * r, 0, None) / a}[kernel]
    return k.sum(1) / (len(x) * h)


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernels_have_unit_mass_and_unit_variance(kernel):
    u = torch.linspace(-12, 12, 200_001, dtype=torch.float64)
    k = kernel_pdf(kernel, u)
    du = float(u[1] - u[0])
    assert float(k.sum() * du) == pytest.approx(1.0, abs=1e-4)
    assert float((u * u * k).sum() * du) == pytest.approx(1.0, abs=1e-3)


def test_gaussian_matches_scipy_gaussian_kde():
    kde = KDE(BIMODAL, -6, 6, 1024)
    grid = kde.axes[0].numpy()
    for h in (0.05, 0.3, 1.5):
        ours = kde.evaluate(h, "gaussian").numpy()
        ref = gaussian_kde(BIMODAL, bw_method=h / BIMODAL.std(ddof=1))(grid)
        assert np.abs(ours - ref).max() <= 1e-4 * ref.max()


@pytest.mark.parametrize("kernel", KERNELS)
def test_exact_method_matches_float64_sum(kernel):
    kde = KDE(BIMODAL, -6, 6, 1024)
    assert kde.method(kernel) == METHOD_EXACT
    grid = kde.axes[0].numpy()
    for h in (0.1, 0.7):
        ref = exact_sum(grid, BIMODAL, h, kernel)
        assert np.abs(kde.evaluate(h, kernel).numpy() - ref).max() <= 1e-4 * ref.max()


@pytest.mark.parametrize("kernel", KERNELS)
def test_large_data_methods_match_float64_sum(kernel):
    x = np.random.default_rng(1).normal(size=EXACT_LIMIT[1] + 10_000)
    kde = KDE(x, -6, 6, 1024)
    assert kde.method(kernel) == (METHOD_BINNED if kernel == "gaussian" else METHOD_SORTED)
    grid = kde.axes[0].numpy()
    for h in (0.15, 0.6):  # the binned Gaussian needs h well above the grid step (0.012 here)
        ref = exact_sum(grid, x, h, kernel)
        assert np.abs(kde.evaluate(h, kernel).numpy() - ref).max() <= 1e-4 * ref.max()


@pytest.mark.parametrize("kernel", KERNELS)
def test_2d_exact_and_binned_match_product_kernel_sum(kernel):
    x = np.random.default_rng(2).normal(size=(EXACT_LIMIT[2] + 2000, 2)) * [1.0, 0.6]
    h = (0.35, 0.3)
    small, large = KDE(x[:3000], [-5, -4], [5, 4], [240, 200]), KDE(x, [-5, -4], [5, 4], [240, 200])
    gx, gy = (ax.numpy() for ax in small.axes)
    for kde, data in ((small, x[:3000]), (large, x)):
        ux = (gx[:, None] - data[None, :, 0]) / h[0]
        uy = (gy[:, None] - data[None, :, 1]) / h[1]
        kxm = kernel_pdf(kernel, torch.as_tensor(ux)).numpy() / h[0]
        kym = kernel_pdf(kernel, torch.as_tensor(uy)).numpy() / h[1]
        ref = kxm @ kym.T / len(data)  # (Gx, Gy)
        got = kde.evaluate(h, kernel).numpy()
        # Binned compact kernels are approximate where their edges fall between grid nodes.
        tol = 1e-4 if kde.method(kernel) == METHOD_EXACT else (1e-3 if kernel == "gaussian" else 0.1)
        assert np.abs(got - ref).max() <= tol * ref.max(), kde.method(kernel)
    assert large.method("gaussian") == METHOD_BINNED


def test_linear_binning_conserves_mass_and_mean_and_matches_kdepy():
    from KDEpy.binning import linear_binning as kdepy_binning

    x = np.random.default_rng(3).normal(size=5000)
    kde = KDE(x, -6, 6, 128)
    counts = linear_binning(kde.x, kde.axes).numpy()
    grid = kde.axes[0].numpy()
    assert counts.sum() == pytest.approx(len(x), rel=1e-6)
    assert (counts * grid).sum() == pytest.approx(x.sum(), rel=1e-5, abs=1e-2)  # linear binning keeps the mean
    ref = kdepy_binning(x.reshape(-1, 1), grid.reshape(-1, 1))
    np.testing.assert_allclose(counts / len(x), ref, atol=1e-6)
    xy = np.random.default_rng(4).normal(size=(3000, 2))
    kde2 = KDE(xy, [-5, -5], [5, 5], [40, 30])
    counts2 = linear_binning(kde2.x, kde2.axes).numpy()
    mesh = np.stack(np.meshgrid(*(a.numpy() for a in kde2.axes), indexing="ij"), -1).reshape(-1, 2)
    np.testing.assert_allclose(counts2.reshape(-1) / len(xy), kdepy_binning(xy, mesh), atol=1e-6)
    assert counts2.sum() == pytest.approx(len(xy), rel=1e-6)


def test_estimate_integrates_to_one_and_components_sum_to_it():
    kde = KDE(BIMODAL[:20], -8, 8, 2048)
    for kernel in KERNELS:
        d = kde.evaluate(0.4, kernel)
        assert float(d.sum() * kde.steps[0]) == pytest.approx(1.0, abs=2e-3)
        torch.testing.assert_close(kde.components(0.4, kernel).sum(0), d)


def test_log_density_matches_scipy_and_leave_one_out():
    kde = KDE(BIMODAL, -6, 6, 1024)
    q = np.linspace(-3, 3, 50)
    ref = gaussian_kde(BIMODAL, bw_method=0.25 / BIMODAL.std(ddof=1)).logpdf(q)
    np.testing.assert_allclose(kde.log_density(q, 0.25).numpy(), ref, atol=1e-9)
    x = torch.as_tensor(BIMODAL[:200].reshape(-1, 1))
    loo = exact_log_density(x, x, (0.3,), "gaussian", exclude_self=True).numpy()
    manual = [np.log(exact_sum(np.array([BIMODAL[i]]), np.delete(BIMODAL[:200], i), 0.3, "gaussian")[0]) for i in range(5)]
    np.testing.assert_allclose(loo[:5], manual, rtol=1e-10)


def test_binned_points_off_the_grid_are_dropped_not_piled_at_the_edge():
    x = np.concatenate([np.random.default_rng(5).normal(size=40_000), [500.0, -800.0]])
    kde = KDE(x, -6, 6, 512)
    d = kde.evaluate(0.2, "gaussian").numpy()
    assert d[0] < 1e-6 and d[-1] < 1e-6


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_bad_bandwidth_is_refused(bad):
    with pytest.raises(ValueError, match="positive finite"):
        check_bandwidth(bad, 1)
