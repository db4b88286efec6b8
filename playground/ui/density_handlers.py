"""Handlers of the Density estimation tab: settings already checked by the tab's settings table in, figures out.
Typed numbers and uploaded CSVs are checked here: bad ones raise `gr.Error` with a message a student can act on.
"""
import math
import time

import gradio as gr
from pandas.errors import EmptyDataError

from playground import plotting
from playground.data import PointsError, parse_points, read_points_csv
from playground.device import get_device
from playground.models.bandwidth import BandwidthError
from playground.tasks.density import DensityLab, curse_of_dimensionality, lab_for
from playground.toydata import TOY_1D, TOY_2D, toy_sample
from playground.ui import checks
from playground.ui.density_tab import RULES, TABLE, TYPED, UPLOADED

MAX_TYPED = 10_000  # points a click may add to (typed data beyond this are better uploaded as a CSV)


def read_upload(path, dim: str):
    """Parse an uploaded CSV into a lab kept only in this browser session's state (never shared, never saved)."""
    if path is None:
        raise checks.user_error("No file was uploaded.")
    try:
        points = read_points_csv(path, 1 if dim == "1-D" else 2)
    except PointsError as error:
        raise checks.user_error(f"That CSV cannot be used: {error}") from None
    except EmptyDataError:  # pandas, for a header and no rows
        raise checks.user_error("That CSV cannot be used: it has no data rows.") from None
    return DensityLab(points, None, 0, get_device()), gr.Dropdown(value=UPLOADED)


def _lab(dim: str, dataset: str, n, seed, typed: str, uploaded) -> DensityLab:
    d = 1 if dim == "1-D" else 2
    table = TOY_1D if d == 1 else TOY_2D
    if dataset in table:
        toy = table[dataset]
        return lab_for((d, dataset, toy.fixed_n or n, seed),
                       lambda: DensityLab(toy_sample(dataset, n, seed, d), toy.pdf, seed, get_device()))
    if dataset == TYPED:
        try:
            return DensityLab(parse_points(typed, d), None, 0, get_device())
        except PointsError as error:
            raise checks.user_error(f"Your numbers cannot be used: {error}") from None
    if dataset == UPLOADED:
        if uploaded is None:
            raise checks.user_error("No CSV uploaded yet: upload a file with one number per row (1-D) or x, y columns (2-D).")
        if uploaded.dim != d:
            raise checks.user_error(f"The uploaded CSV was read for the other dimension: upload it again in {dim}.")
        return uploaded
    raise checks.user_error(f"Unknown data set '{dataset}' for {dim} data.")


def estimate(dim, dataset, n, seed, typed, kernel, log10_h, rule, view, show_true, uploaded=None):
    """The whole picture for one setting (checked by the tab's widgets): density figure, held-out curve, info line,
    bandwidth, rule."""
    started = time.perf_counter()
    lab = _lab(dim, dataset, n, seed, typed, uploaded)
    notes = []
    if rule == "manual":
        h = 10 ** float(log10_h)
    else:
        try:
            h = lab.rule(rule, kernel)
        except BandwidthError as error:
            raise checks.user_error(f"{dict((v, k) for k, v in RULES)[rule]}: {error}") from None
        log_h = TABLE.settings["bw"].clamp(math.log10(h))  # shown on the slider: kept within it
        if log_h != math.log10(h):
            notes.append(f"the {rule} rule's h = {h:.3g} is outside the slider, so h = {10 ** log_h:.3g} is used")
            h = 10 ** log_h
    est = lab.estimate(h, kernel, with_true=bool(show_true))
    title = f"{kernel} kernel, h = {h:.4g}, N = {lab.n:,}"
    if lab.dim == 1:
        fig = plotting.density_1d_figure(est.axes[0], est.density, lab.data, title, est.true, est.components)
    else:
        fig = plotting.density_2d_figure(est.axes, est.density, lab.data, title, view, est.true)
    heldout = _heldout_figure(lab, kernel, h)
    compute_ms = (time.perf_counter() - started) * 1e3
    if est.mass_shown < 0.99:
        notes.append(f"only {est.mass_shown:.0%} of the estimate's mass lies on the plotted range")
    info = (f"**h = {h:.4g}** (the kernel's standard deviation{', on both axes' if lab.dim == 2 else ''}) · "
            f"**{lab.n:,} points**{_describe(dim, dataset)} · method: **{est.method}** · {compute_ms:.0f} ms"
            + "".join(f"  \n⚠️ {note}" for note in notes))
    return fig, heldout, info, round(math.log10(h), 3), rule


def _describe(dim: str, dataset: str) -> str:
    """The preset's one-line description, e.g. " of 0.3 N(-2, 0.5²) + 0.7 N(1.5, 1)"."""
    toy = (TOY_1D if dim == "1-D" else TOY_2D).get(dataset)
    return f" of {toy.blurb}" if toy else ""


def estimate_manual(dim, dataset, n, seed, typed, kernel, log10_h, rule, view, show_true, uploaded=None):
    """The slider moved by hand: the bandwidth is now manual (whatever the rule was)."""
    return estimate(dim, dataset, n, seed, typed, kernel, log10_h, "manual", view, show_true, uploaded)


def _heldout_figure(lab: DensityLab, kernel: str, h: float):
    title = "Held-out log-likelihood against bandwidth (80/20 split)"
    try:
        hs, train_ll, test_ll = lab.heldout(kernel)
    except ValueError as error:
        return plotting.message_figure(str(error), title)
    return plotting.heldout_figure(hs, train_ll, test_ll, h, title)


def curse(n, seed):
    """KDE against a fitted Gaussian as the dimension grows from 1 to 10."""
    rows = curse_of_dimensionality(n=n, seed=seed)
    fig = plotting.curse_figure(rows, f"Error against the true density as the dimension grows (N = {n:,})")
    cross = next((r["dim"] for r in rows if r["kde"] > r["gauss"]), None)
    verdict = (f"KDE is closer to the truth up to d = {cross - 1}; from d = {cross} the simple Gaussian wins."
               if cross and cross > 1 else "Here the Gaussian wins from the start." if cross == 1 else
               "KDE stays ahead up to d = 10 at this N.")
    return fig, verdict


def add_point(dim: str, dataset: str, typed: str, x: float, y: float):
    """A click on the plot adds a point to your own numbers (starting a new list when other data are shown)."""
    typed = typed if dataset == TYPED else ""
    lines = [line for line in typed.replace(",", " ").split("\n") if line.strip()] if dim == "2-D" else \
        typed.replace(",", " ").split()
    if len(lines) >= MAX_TYPED:
        raise checks.user_error(f"Clicked point: at most {MAX_TYPED:,} typed points; upload a CSV for more.")
    point = f"{x:.3g}" if dim == "1-D" else f"{x:.3g}, {y:.3g}"
    joined = (", ".join(lines + [point]) if dim == "1-D" else
              "\n".join([", ".join(line.split()) for line in lines] + [point]))
    return joined, gr.Dropdown(value=TYPED)


def estimate_after_click(dim, dataset, n, seed, typed, *rest):
    """The estimate once a click has added a point; the first click of a new list asks for a second one."""
    if dataset == TYPED and len(typed.replace(",", " ").split()) < (2 if dim == "1-D" else 4):
        return gr.skip(), gr.skip(), "**1 point** so far: click again (an estimate needs at least 2 points).", \
            gr.skip(), gr.skip()
    return estimate(dim, dataset, n, seed, typed, *rest)
