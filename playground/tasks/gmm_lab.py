"""What the EM tab draws from a fitted history (playground.models.gmm.fit_em): the points coloured by
their responsibilities with each component's 1- and 2-sigma ellipses, the log-likelihood per iteration,
an animation over the iterations, and a table of the parameters.
"""
import numpy as np
import plotly.graph_objects as go

from playground.models.gmm import GMMState, sample
from playground.plotting import DIGIT_COLOURS, layout, shown_points


ANIMATION_POINTS = 1_500  # points drawn in the animation; each frame recolours all of them
ANIMATION_FRAMES = 40
SUMMARY_HEADERS = ["component", "weight", "mean", "covariance"]
_PALETTE = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in DIGIT_COLOURS], dtype=np.float64)  # (10, 3)


def _component_colour(j: int) -> str:
    return DIGIT_COLOURS[j % len(DIGIT_COLOURS)]


def _blended_colours(resp: np.ndarray) -> list[str]:
    """Each point's colour: the component colours mixed by its responsibilities, so uncertain points blend."""
    palette = _PALETTE[np.arange(resp.shape[1]) % len(_PALETTE)]  # (K, 3)
    rgb = np.clip(resp @ palette, 0, 255).round().astype(int)  # (N, 3)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def _ellipse(mean, cov, radius: float, points: int = 61) -> np.ndarray:
    """The radius-sigma contour of N(mean, cov) in 2-D, (points, 2), from the eigen-decomposition of cov."""
    vals, vecs = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, points)
    return mean + (radius * (vecs * np.sqrt(np.maximum(vals, 0))) @ circle).T


def _step_traces(x, state: GMMState, idx, positions: bool = True) -> list:
    """The traces that change from step to step: points, 1- and 2-sigma ellipses per component, means.
    Without `positions` the points trace carries only its colours (an animation frame: the points stay put)."""
    colours = dict(size=4, color=_blended_colours(state.responsibilities[idx]), opacity=0.75)
    traces = [go.Scatter(x=x[idx, 0], y=x[idx, 1], mode="markers", name="data (coloured by responsibility)",
                         marker=colours, hoverinfo="skip") if positions else go.Scatter(marker=colours)]
    for j, (mean, cov) in enumerate(zip(state.means, state.covariances)):
        for radius, dash in ((1, "solid"), (2, "dash")):
            ring = _ellipse(mean, cov, radius)
            traces.append(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", name=f"{radius}σ ellipses",
                                     legendgroup=f"{radius}sigma", showlegend=j == 0, hoverinfo="skip",
                                     line=dict(color=_component_colour(j), dash=dash, width=2.2 if radius == 1 else 1.3)))
    k = len(state.weights)
    traces.append(go.Scatter(x=state.means[:, 0], y=state.means[:, 1], mode="markers", name="means",
                             marker=dict(size=13, symbol="x", color=[_component_colour(j) for j in range(k)],
                                         line=dict(width=1.5, color="black")),
                             text=[f"component {j + 1}, weight {w:.3f}" for j, w in enumerate(state.weights)],
                             hoverinfo="text"))
    return traces


def _check_2d(x, history) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"The EM figures draw 2-D points (N, 2); got data of shape {x.shape}.")
    if not history:
        raise ValueError("The EM history is empty: fit the mixture first.")
    if len(history[0].responsibilities) != len(x):
        raise ValueError("The data and the EM history do not match: fit the mixture on these points.")
    return x


def _clamp(step, history) -> int:
    return min(max(int(step), 0), len(history) - 1)


def _title(history, step) -> str:
    return f"EM step {step} of {len(history) - 1}  ·  mean log-likelihood {history[step].log_likelihood:.4f} nats"


def _fix_axes(fig: go.Figure, x: np.ndarray) -> None:
    """Axes from the data alone, equal aspect, so ellipses keep their shape and nothing jumps between steps."""
    lo, hi = x.min(0), x.max(0)
    pad = 0.15 * (hi - lo).max() + 1e-9
    fig.update_xaxes(title_text="x₁", range=[lo[0] - pad, hi[0] + pad])
    fig.update_yaxes(title_text="x₂", range=[lo[1] - pad, hi[1] + pad], scaleanchor="x", scaleratio=1)


def em_figure(x, history: list[GMMState], step: int, show_samples: int = 0, seed: int = 0) -> go.Figure:
    """Step `step` (clamped to the history) of EM over 2-D data: points blended by responsibility, 1σ (solid)
    and 2σ (dashed) ellipses, means (x), and `show_samples` samples from that step's mixture (open diamonds).
    Traces: 1 + 2K + 1 (+ 1 with samples)."""
    x = _check_2d(x, history)
    step = _clamp(step, history)
    state = history[step]
    fig = go.Figure(_step_traces(x, state, shown_points(np.arange(len(x)), seed=seed)))
    if show_samples > 0:
        pts, comp = sample(state, show_samples, seed=seed)
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="samples from the mixture",
                                 marker=dict(size=6, symbol="diamond-open", color=[_component_colour(c) for c in comp]),
                                 hoverinfo="skip"))
    _fix_axes(fig, x)
    return layout(fig, _title(history, step), height=520, uirevision="em")


def loglik_figure(history: list[GMMState], step: int) -> go.Figure:
    """Mean log-likelihood (nats per point) against the EM iteration, the current step marked."""
    if not history:
        raise ValueError("The EM history is empty: fit the mixture first.")
    step = _clamp(step, history)
    ll = [s.log_likelihood for s in history]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(range(len(ll))), y=ll, mode="lines+markers", name="mean log-likelihood",
                             line=dict(color=_component_colour(0), width=2.5), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=[step], y=[ll[step]], mode="markers", name=f"step {step}",
                             marker=dict(size=13, symbol="star", color=_component_colour(3))))
    fig.update_xaxes(title_text="EM iteration (0 = initialisation)")
    fig.update_yaxes(title_text="mean log-likelihood (nats)")
    return layout(fig, "EM never decreases the log-likelihood", height=320, uirevision="em-loglik")


def em_animation(x, history: list[GMMState], seed: int = 0) -> go.Figure:
    """EM over the iterations as a plotly animation (play button, step slider) on at most 1,500 points and
    40 frames; each frame redraws the coloured points, the ellipses and the means."""
    x = _check_2d(x, history)
    idx = shown_points(np.arange(len(x)), ANIMATION_POINTS, seed)
    last = len(history) - 1
    steps = sorted(set(np.linspace(0, last, min(ANIMATION_FRAMES, last + 1)).round().astype(int)))
    fig = go.Figure(_step_traces(x, history[0], idx))
    fig.frames = [go.Frame(data=_step_traces(x, history[s], idx, positions=False), name=str(s),
                           layout=dict(title=dict(text=_title(history, s)))) for s in steps]
    play = dict(frame=dict(duration=250, redraw=True), fromcurrent=True, transition=dict(duration=0))
    fig.update_layout(
        updatemenus=[dict(type="buttons", x=0.0, y=-0.12, xanchor="left", showactive=False,
                          buttons=[dict(label="▶ play", method="animate", args=[None, play])])],
        sliders=[dict(x=0.12, y=-0.05, len=0.88, active=0, currentvalue=dict(prefix="EM step "), steps=[
            dict(label=str(s), method="animate", args=[[str(s)], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
            for s in steps])])
    _fix_axes(fig, x)
    return layout(fig, _title(history, 0), height=560)


def _matrix_text(m: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{v:.3g}" for v in row) + "]" for row in m) + "]"


def summary_table(history: list[GMMState], step: int = -1) -> dict:
    """The parameters at `step` (default: the last) as {"headers", "data"} for a gr.Dataframe: one row per
    component with its weight, mean and covariance matrix as text."""
    if not history:
        raise ValueError("The EM history is empty: fit the mixture first.")
    state = history[_clamp(step if step >= 0 else len(history) + step, history)]
    rows = [[j + 1, round(float(w), 4), "(" + ", ".join(f"{v:.3f}" for v in mean) + ")", _matrix_text(cov)]
            for j, (w, mean, cov) in enumerate(zip(state.weights, state.means, state.covariances))]
    return {"headers": list(SUMMARY_HEADERS), "data": rows}
