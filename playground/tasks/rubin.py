"""Downstream statistics of completed tables, pooled over m imputations by Rubin's rules (Rubin 1987):
Q_bar = mean Q_l, U_bar = mean U_l, B = var Q_l, T = U_bar + (1 + 1/m) B, df = (m - 1)(1 + U_bar / ((1 + 1/m) B))^2,
interval Q_bar +- t_{df, 0.975} sqrt(T). A correlation is pooled on Fisher's z scale and transformed back."""
import math
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from playground.plotting import layout

HEADERS = ["method", "statistic", "estimate", "truth", "bias", "95% interval", "covers truth",
           "λ = (1 + 1/m) B / T", "interval from"]
METHOD_COLOURS = ("#7f7f7f", "#9467bd", "#ff7f0e", "#1f77b4", "#2ca02c")


class Pooled(NamedTuple):
    """One statistic pooled over m completed tables (on the scale it was pooled on, except estimate/lower/upper)."""

    estimate: float
    lower: float
    upper: float
    qbar: float  # mean of the m estimates Q_l
    ubar: float  # mean within-imputation variance U_l (squared standard errors)
    between: float  # B, the variance of the Q_l across imputations (ddof = 1)
    total: float  # T = U_bar + (1 + 1/m) B
    df: float  # Rubin's degrees of freedom (inf for the naive interval)
    m: int
    naive: bool  # True when m = 1 or B = 0: the interval uses U_bar alone, as if imputed values were data


def estimates(x, i: int, j: int, names) -> list:
    """(kind, label, Q, U) on one complete table (N, d): mean and variance of columns i and j, their correlation
    (Q = Fisher's z = atanh r, U = 1/(n - 3)) and the OLS slope of j on i. U is the squared standard error:
    s^2/n for a mean, 2 s^4/(n - 1) for a variance, sigma^2 / S_xx for a slope."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    out = []
    for c in (i, j):
        s2 = float(x[:, c].var(ddof=1))
        out += [("mean", f"mean of {names[c]}", float(x[:, c].mean()), s2 / n),
                ("variance", f"variance of {names[c]}", s2, 2 * s2 ** 2 / (n - 1))]
    a, b = x[:, i] - x[:, i].mean(), x[:, j] - x[:, j].mean()
    sxx, syy = float(a @ a), float(b @ b)
    r = float(a @ b) / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan
    out.append(("correlation", f"correlation of {names[i]} and {names[j]}", math.atanh(np.clip(r, -1 + 1e-12, 1 - 1e-12)),
                1 / (n - 3)))
    slope = float(a @ b) / sxx if sxx > 0 else math.nan
    resid = b - slope * a
    out.append(("slope", f"slope of {names[j]} on {names[i]}", slope, float(resid @ resid) / (n - 2) / sxx
                if sxx > 0 else math.nan))
    return out


def rubin(q, u, level: float = 0.95) -> Pooled:
    """Rubin's rules for m estimates q and their squared standard errors u. With m = 1 or B = 0 there is no
    between-imputation variance to use: the naive normal interval from U_bar alone, flagged `naive`."""
    q, u = np.asarray(q, dtype=float), np.asarray(u, dtype=float)
    m = len(q)
    qbar, ubar = float(q.mean()), float(u.mean())
    b = float(q.var(ddof=1)) if m > 1 else 0.0
    total = ubar + (1 + 1 / m) * b
    if m == 1 or b <= 0:
        df, naive = math.inf, True
        half = stats.norm.ppf(0.5 + level / 2) * math.sqrt(ubar)
    else:
        df, naive = (m - 1) * (1 + ubar / ((1 + 1 / m) * b)) ** 2, False
        half = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(total)
    return Pooled(qbar, qbar - half, qbar + half, qbar, ubar, b, total, df, m, naive)


def pool(completed, i: int, j: int, names) -> list:
    """(kind, label, Pooled) per statistic over completed tables (m, N, d); the correlation back on the r scale."""
    per_table = [estimates(x, i, j, names) for x in np.asarray(completed)]
    out = []
    for s, (kind, label, _, _) in enumerate(per_table[0]):
        p = rubin([t[s][2] for t in per_table], [t[s][3] for t in per_table])
        if kind == "correlation":
            p = p._replace(estimate=math.tanh(p.estimate), lower=math.tanh(p.lower), upper=math.tanh(p.upper))
        out.append((kind, label, p))
    return out


def true_values(truth, i: int, j: int, names) -> list:
    """Each statistic on the complete table before masking (the correlation as r)."""
    return [math.tanh(q) if kind == "correlation" else q for kind, _, q, _ in estimates(truth, i, j, names)]


def _sig(value: float, digits: int = 4):
    return float(f"{value:.{digits}g}") if math.isfinite(value) else value


def summary_rows(pooled: dict, truth_values: list | None) -> list:
    """One row per method and statistic (HEADERS): estimate, bias against the truth, interval and coverage; with
    no truth (a table typed or edited by hand) the bias and coverage are 'unknown'."""
    rows = []
    for method, per_stat in pooled.items():
        for s, (_, label, p) in enumerate(per_stat):
            truth = truth_values[s] if truth_values is not None else None
            known = truth is not None
            share = (1 + 1 / p.m) * p.between / p.total if p.total > 0 else 0.0
            source = ("naive: m = 1, imputed values treated as data" if p.m == 1 else
                      "naive: B = 0" if p.naive else f"Rubin, m = {p.m}, df = {p.df:.3g}")
            rows.append([method, label, _sig(p.estimate), _sig(truth) if known else "unknown",
                         _sig(p.estimate - truth) if known else "unknown", f"[{p.lower:.4g}, {p.upper:.4g}]",
                         ("yes" if p.lower <= truth <= p.upper else "no") if known else "unknown", round(share, 3),
                         source])
    return rows


def forest_figure(pooled: dict, truth_values: list | None, title: str) -> go.Figure:
    """One panel per statistic: each method's estimate with its 95% interval, the truth as a dashed line."""
    labels = [label for _, label, _ in next(iter(pooled.values()))]
    fig = make_subplots(rows=2, cols=3, subplot_titles=labels, horizontal_spacing=0.08, vertical_spacing=0.22,
                        shared_yaxes=True)
    methods = list(pooled)
    for s in range(len(labels)):
        row, col = s // 3 + 1, s % 3 + 1
        for mi, method in enumerate(methods):
            p = pooled[method][s][2]
            fig.add_trace(go.Scatter(
                x=[p.estimate], y=[method], mode="markers", name=method,
                marker=dict(size=9, color=METHOD_COLOURS[mi % len(METHOD_COLOURS)]),
                error_x=dict(type="data", symmetric=False, array=[p.upper - p.estimate],
                             arrayminus=[p.estimate - p.lower], thickness=2),
                hovertemplate=f"{method}<br>%{{x:.4g}} [{p.lower:.4g}, {p.upper:.4g}]<extra></extra>"), row=row, col=col)
        if truth_values is not None:
            fig.add_vline(x=truth_values[s], line=dict(color="#d62728", dash="dash", width=1.5), row=row, col=col)
    fig.update_yaxes(categoryorder="array", categoryarray=methods[::-1])
    layout(fig, title, height=560, showlegend=False)  # the y axis names the methods
    return fig.update_layout(margin=dict(l=200, r=20, t=90, b=40))
