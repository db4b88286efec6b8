"""Missing data and imputation (Rubin 1976, 1987; Little & Rubin 2019): two small tables, MCAR / MAR / MNAR
masks, and five ways to fill the gaps: mean, regression, stochastic regression, and multiple imputation from a
Gaussian mixture (the exact conditional Gaussian, Ghahramani & Jordan 1994) or a MIWAE (Mattei & Frellsen 2019).
Every method returns its completed tables as an array (m, N, d); the deterministic ones have m = 1."""
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.optimize import brentq
from scipy.special import expit

from playground.models import gmm_missing, miwae
from playground.plotting import layout, shown_points

TABLES = ("textbook example", "scikit-learn diabetes")
COLUMNS = {TABLES[0]: ("age", "income (k$)", "savings (k$)"), TABLES[1]: ("bp", "bmi", "s5", "progression")}
MECHANISMS = ("MCAR", "MAR", "MNAR")
METHODS = ("mean", "regression", "stochastic regression", "GMM multiple imputation", "MIWAE multiple imputation")
MULTIPLE = METHODS[2:]  # the methods that draw m imputations
MISSING_TEXT = {"", "na", "n/a", "nan", "none", "null", "?"}  # cells read as missing (case-insensitive)
MIN_ROWS, MAX_ROWS, MAX_COLUMNS = 5, 2000, 8
LOGIT_SLOPE = 2.0  # MAR / MNAR: log-odds of missingness per standard deviation of the driver
GMM_REG = 1e-3  # ridge on the mixture's covariances, in standardized units
GMM_ITERATIONS, GMM_TOL = 200, 1e-5  # EM stops when an iteration gains less than GMM_TOL nats per row
MIWAE_STEPS = 400  # about 1.2 s on one core for 442 rows x 4 columns


@dataclass(frozen=True)
class Table:
    """A numeric table: values (N, d) with NaN where missing, column names, and the complete table when known."""

    values: np.ndarray
    columns: tuple
    truth: np.ndarray | None = None


def textbook_table() -> Table:
    """Six people, three variables, three gaps. Made up in the spirit of the textbook's small example (we do not
    have its exact numbers): income and savings rise with age, and some answers were not given."""
    nan = math.nan
    values = np.array([[25, 31.0, 2.1], [32, 45.0, nan], [38, 52.0, 9.8], [44, 61.0, 14.2], [nan, nan, 18.0],
                       [58, 72.0, 25.4]])
    return Table(values, COLUMNS[TABLES[0]])


def sklearn_table() -> Table:
    """scikit-learn's diabetes data (442 patients, shipped with the package): blood pressure, body-mass index,
    log serum triglycerides (s5) and disease progression a year later. Complete, so it is its own truth."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    names = list(data.feature_names)
    values = np.column_stack([data.data[:, names.index(c)] for c in ("bp", "bmi", "s5")] + [data.target])
    return Table(values, COLUMNS[TABLES[1]], values.copy())


def load_table(name: str) -> Table:
    if name not in TABLES:
        raise ValueError(f"Unknown table '{name}'. Choose one of {', '.join(TABLES)}.")
    return textbook_table() if name == TABLES[0] else sklearn_table()


def _calibrated(score: np.ndarray, rate: float) -> np.ndarray:
    """sigmoid(a + score), the intercept a solved so that the mean probability equals `rate`."""
    a = brentq(lambda a: expit(a + score).mean() - rate, -50, 50)
    return expit(a + score)


def make_missing(x, mechanism: str, rate: float, rng, observed: int = 0) -> np.ndarray:
    """A mask (N, d), True = missing, over every column but `observed` (which keeps every row partly seen).
    MCAR: each cell missing with probability `rate`. MAR: probability rising with the observed column.
    MNAR: probability rising with the cell's own value. MAR and MNAR use a logistic in the standardized driver
    whose intercept is solved so that the expected rate over the maskable cells is `rate`."""
    x = np.asarray(x, dtype=float)
    if mechanism not in MECHANISMS:
        raise ValueError(f"Unknown missingness mechanism '{mechanism}'. Choose one of {', '.join(MECHANISMS)}.")
    if not 0 < rate < 1:
        raise ValueError(f"The missing rate must be between 0 and 1; got {rate}.")
    if x.ndim != 2 or x.shape[1] < 2 or np.isnan(x).any():
        raise ValueError("Masking needs a complete table with at least two columns.")
    rng = np.random.default_rng(rng)
    z = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)  # standardized columns
    mask = np.zeros(x.shape, dtype=bool)
    for j in range(x.shape[1]):
        if j == observed:
            continue
        if mechanism == "MCAR":
            p = np.full(len(x), rate)
        else:
            p = _calibrated(LOGIT_SLOPE * z[:, observed if mechanism == "MAR" else j], rate)
        mask[:, j] = rng.random(len(x)) < p
    return mask


def _cell(value, column: str, row: int) -> float:
    if value is None or (isinstance(value, str) and value.strip().lower() in MISSING_TEXT):
        return math.nan
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value.strip().replace(",", "") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"Column '{column}' has a non-numeric value '{value}' in row {row + 1}. Use numbers, and "
                         f"leave a cell empty (or write NA) for a missing value.") from None
    if math.isinf(number):
        raise ValueError(f"Column '{column}' has an infinite value in row {row + 1}.")
    return number


def parse_table(rows, columns) -> Table:
    """Cells as typed (numbers, numeric text, or '', NA, NaN, None for missing) -> a checked Table."""
    columns = tuple(str(c).strip() or f"column {i + 1}" for i, c in enumerate(columns))
    rows = [list(r) for r in rows]
    if not rows or not columns:
        raise ValueError("The table is empty: make a table first, or type some rows.")
    if len(rows) > MAX_ROWS or len(columns) > MAX_COLUMNS:
        raise ValueError(f"The table is too large: at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns; got "
                         f"{len(rows):,} rows and {len(columns)} columns.")
    if any(len(r) != len(columns) for r in rows):
        raise ValueError(f"Every row needs {len(columns)} cells, one per column.")
    values = np.array([[_cell(v, columns[j], i) for j, v in enumerate(r)] for i, r in enumerate(rows)])
    return check_table(Table(values, columns))


def check_table(table: Table) -> Table:
    """A clear ValueError for a table the methods cannot use: too small, duplicate names, an empty column."""
    n, d = table.values.shape
    if n < MIN_ROWS:
        raise ValueError(f"The table has {n} row{'s' * (n != 1)}; imputation needs at least {MIN_ROWS}.")
    if d < 2:
        raise ValueError("The table needs at least two columns (one to impute, one to learn from).")
    if len(set(table.columns)) != d:
        raise ValueError("Column names must be distinct.")
    seen = (~np.isnan(table.values)).sum(0)
    for name, count in zip(table.columns, seen):
        if count == 0:
            raise ValueError(f"Column '{name}' is entirely missing: there is nothing to learn its values from. "
                             f"Fill in some of its cells or remove it.")
        if count < 2:
            raise ValueError(f"Column '{name}' has only one observed value; imputation needs at least two.")
    return table


def impute_mean(x) -> np.ndarray:
    """Each gap filled with its column's observed mean: (1, N, d)."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isnan(x), np.nanmean(x, 0), x)[None]


def _bootstrap_complete(complete: np.ndarray, rng) -> np.ndarray:
    """A bootstrap resample of the complete rows whose design has the rank of the original one, so it identifies
    the same regressions; with few complete rows most resamples repeat rows, and those would extrapolate wildly."""
    design_rank = np.linalg.matrix_rank(np.column_stack([np.ones(len(complete)), complete]))
    for _ in range(1000):
        boot = complete[rng.integers(len(complete), size=len(complete))]
        if np.linalg.matrix_rank(np.column_stack([np.ones(len(boot)), boot])) == design_rank:
            return boot
    raise ValueError("Too few distinct complete rows to bootstrap the regression; add rows or use plain regression.")


def _regression_fill(x, rng=None) -> np.ndarray:
    """For each missingness pattern, OLS (with intercept) of its missing columns on its observed ones, fitted on
    the complete rows. With `rng`: the complete rows are bootstrapped first and Gaussian noise with the residual
    covariance is added, so repeated draws reflect both parameter and residual uncertainty."""
    missing = np.isnan(x)
    complete = x[~missing.any(1)]
    if len(complete) <= x.shape[1]:
        raise ValueError(f"Regression imputation needs at least {x.shape[1] + 1} complete rows (rows with no gap); "
                         f"this table has {len(complete)}.")
    if rng is not None:
        complete = _bootstrap_complete(complete, rng)
    out = x.copy()
    for o, m, rows in gmm_missing.missing_patterns(missing):
        if not len(m):
            continue
        design = np.column_stack([np.ones(len(complete)), complete[:, o]])  # (C, 1 + d_o)
        beta = np.linalg.lstsq(design, complete[:, m], rcond=None)[0]  # (1 + d_o, d_m)
        fill = np.column_stack([np.ones(len(rows)), x[np.ix_(rows, o)]]) @ beta
        if rng is not None:
            resid = complete[:, m] - design @ beta
            cov = resid.T @ resid / max(len(complete) - design.shape[1], 1)
            fill = fill + rng.multivariate_normal(np.zeros(len(m)), cov, size=len(rows))
        out[np.ix_(rows, m)] = fill
    return out


def impute_regression(x) -> np.ndarray:
    """Conditional-mean (regression) imputation: (1, N, d)."""
    return _regression_fill(np.asarray(x, dtype=float))[None]


def impute_stochastic_regression(x, m: int, rng) -> np.ndarray:
    """Regression plus residual noise, on a bootstrap of the complete rows per imputation: (m, N, d)."""
    x, rng = np.asarray(x, dtype=float), np.random.default_rng(rng)
    return np.stack([_regression_fill(x, rng) for _ in range(m)])


def _standardize(x):
    mean, sd = np.nanmean(x, 0), np.nanstd(x, 0)
    sd = np.where(sd > 0, sd, 1.0)
    return (x - mean) / sd, mean, sd


def impute_gmm(x, m: int, k: int, rng, iterations: int = GMM_ITERATIONS) -> np.ndarray:
    """Multiple imputation from a K-component Gaussian mixture (K = 1: the classic multivariate-normal MI).
    Each imputation refits EM with missing data on a bootstrap of the rows (so parameter uncertainty enters,
    a proper imputation), then draws each row's component from p(k | x_o) and x_m from its conditional Gaussian."""
    x, rng = np.asarray(x, dtype=float), np.random.default_rng(rng)
    n, d = x.shape
    if n < k * (d + 1):
        raise ValueError(f"A mixture of {k} components over {d} columns needs at least {k * (d + 1)} rows; this "
                         f"table has {n}. Lower K.")
    xs, mean, sd = _standardize(x)
    draws = []
    try:
        full = gmm_missing.fit_gmm_missing(xs, k, iterations, seed=rng, reg=GMM_REG, tol=GMM_TOL)
        for _ in range(m):
            boot = xs[rng.integers(n, size=n)]
            while np.isnan(boot).all(0).any():  # a resample that lost a whole column: draw again
                boot = xs[rng.integers(n, size=n)]
            # Starting from the full-data fit keeps every imputation near the same optimum (no label switching)
            fit = gmm_missing.fit_gmm_missing(boot, k, iterations // 4, reg=GMM_REG, tol=GMM_TOL, init=full[:3])
            draws.append(gmm_missing.sample_missing(fit, xs, rng))
    except np.linalg.LinAlgError:
        raise ValueError(f"A mixture component collapsed onto too few rows; lower K (now {k}).") from None
    return _restore(np.stack(draws) * sd + mean, x)


def impute_miwae(x, m: int, rng) -> np.ndarray:
    """Multiple imputation from a MIWAE fitted once to the incomplete rows, m draws by sampling importance
    resampling. Without refitting per imputation it ignores the uncertainty in the network's weights, so its
    intervals can be a little too narrow."""
    x, rng = np.asarray(x, dtype=float), np.random.default_rng(rng)
    xs, mean, sd = _standardize(x)
    seed, draw_seed = (int(s) for s in rng.integers(2 ** 31, size=2))
    model = miwae.fit(xs, steps=MIWAE_STEPS, seed=seed)
    return _restore(miwae.impute(model, xs, m, seed=draw_seed) * sd + mean, x)


def _restore(completed: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Observed cells exactly as given (standardizing and back can move the last bit)."""
    observed = ~np.isnan(x)
    completed[:, observed] = x[observed]
    return completed


def impute(method: str, x, m: int = 10, k: int = 2, seed: int = 0) -> np.ndarray:
    """Completed tables (m', N, d) from one method: m' = 1 for mean and regression, m otherwise."""
    rng = np.random.default_rng([int(seed), METHODS.index(method) if method in METHODS else 0])
    if method == "mean":
        return impute_mean(x)
    if method == "regression":
        return impute_regression(x)
    if method == "stochastic regression":
        return impute_stochastic_regression(x, m, rng)
    if method == "GMM multiple imputation":
        return impute_gmm(x, m, k, rng)
    if method == "MIWAE multiple imputation":
        return impute_miwae(x, m, rng)
    raise ValueError(f"Unknown imputation method '{method}'. Choose from {', '.join(METHODS)}.")


def imputed_cells(x, completed) -> list:
    """The table as text: observed cells as given, each imputed cell as 'mean ± sd' over the m imputations."""
    x, completed = np.asarray(x, dtype=float), np.asarray(completed, dtype=float)
    mean, sd = completed.mean(0), completed.std(0, ddof=1) if len(completed) > 1 else np.zeros(x.shape)
    return [[f"{v:g}" if not np.isnan(v) else f"{mu:.4g} ± {s:.2g}" for v, mu, s in zip(*row)]
            for row in zip(x, mean, sd)]


def scatter_figure(x, results: dict, i: int, j: int, names, truth=None) -> go.Figure:
    """Column j against column i, one panel per method: rows with both observed in grey, every imputation of a
    row with a gap drawn lightly in orange (their spread is the imputation uncertainty), true values hollow."""
    x = np.asarray(x, dtype=float)
    gap = np.isnan(x[:, [i, j]]).any(1)
    fig = make_subplots(rows=1, cols=len(results), shared_xaxes=True, shared_yaxes=True, subplot_titles=list(results),
                        horizontal_spacing=0.03)
    for col, (method, completed) in enumerate(results.items(), start=1):
        first = col == 1
        fig.add_trace(go.Scatter(x=x[~gap, i], y=x[~gap, j], mode="markers", name="observed", legendgroup="o",
                                 showlegend=first, marker=dict(size=4, color="rgba(90,90,90,0.55)")), row=1, col=col)
        pts = shown_points(completed[:, gap][:, :, [i, j]].reshape(-1, 2))  # (m * rows with a gap, 2), at most 2,000
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="imputed (each of the m draws)",
                                 legendgroup="i", showlegend=first, marker=dict(
                                     size=4, color=f"rgba(255,127,14,{max(0.12, 0.8 / len(completed) ** 0.5):.2f})")),
                      row=1, col=col)
        if truth is not None:
            fig.add_trace(go.Scatter(x=truth[gap, i], y=truth[gap, j], mode="markers", name="true values (hidden)",
                                     legendgroup="t", showlegend=first, visible="legendonly",
                                     marker=dict(size=6, color="rgba(0,0,0,0)", line=dict(color="#d62728", width=1))),
                          row=1, col=col)
    fig.update_xaxes(title_text=names[i])
    fig.update_yaxes(title_text=names[j], col=1)
    layout(fig, f"{names[j]} against {names[i]}: observed and imputed", height=440)
    return fig.update_layout(legend=dict(y=-0.22, yanchor="top", x=0.5, xanchor="center"), margin=dict(t=80, b=90))
