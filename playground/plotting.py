"""Figures: arrays in, plotly figures out. No model code here.
Every figure goes through layout(), which styles it and makes its toolbar save a 2x PNG; series take the
Okabe-Ito colour-blind-safe PALETTE and, where they are markers, a shape from SYMBOLS as well."""
import json
import math
import re

import numpy as np
import plotly.graph_objects as go

# Okabe & Ito (2008), ordered so that the first few differ most: blue, orange, green, purple, sky blue,
# vermillion, yellow (weak on white), black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down", "pentagon", "hexagon")
# Projector mode, applied in the browser (Plotly.restyle / relayout): line widths and marker sizes times these.
PROJECTOR = {"line_scale": 2.0, "marker_scale": 1.6, "font_size": 22}
COLOURS = {"estimate": PALETTE[0], "true": PALETTE[5], "kernel": "rgba(230,159,0,0.55)", "rug": "rgba(40,40,40,0.6)",
           "train": "#7f7f7f", "test": PALETTE[0], "gauss": PALETTE[2]}
MAX_SHOWN_POINTS = 2_000  # points drawn on a plot (rug or scatter); the estimate always uses all


def rgba(colour: str, alpha: float) -> str:
    """A '#rrggbb' colour with transparency."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def toolbar_config(title: str | None) -> dict:
    """Plotly config for the toolbar: the camera button saves a PNG at twice the size, named after the title."""
    words = re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"<[^>]+>", " ", title or "")).strip("-").lower()
    name = words[:60].strip("-") or "figure"
    return {"toImageButtonOptions": {"format": "png", "scale": 2, "filename": name}, "displaylogo": False}


class SlideFigure(go.Figure):
    """A plotly figure whose JSON also carries its toolbar config (Gradio's plot hands a top-level "config" in
    the figure's to_json() on to Plotly.react)."""

    def to_json(self, *args, **kwargs) -> str:
        text = super().to_json(*args, **kwargs).lstrip()  # a JSON object: "{" then at least "data"
        if self.frames:  # Gradio's Plotly.react drops an animation's frames: they ride in layout.meta, and the
            figure = json.loads(text)  # page adds them back (playground/ui/view.py), so the play button works
            figure["layout"]["meta"] = {"gp_frames": figure.pop("frames")}
            text = json.dumps(figure)
        return '{"config": ' + json.dumps(toolbar_config(self.layout.title.text)) + ", " + text[1:]


def layout(fig: go.Figure, title: str, height: int = 420, **kw) -> go.Figure:
    """Title, size, margins and legend, in place; the figure becomes a SlideFigure in place too (it adds only a
    method), so callers that ignore the return value and figures from make_subplots get the 2x PNG button."""
    if type(fig) is go.Figure:
        fig.__class__ = SlideFigure
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=15)), height=height, margin=dict(l=50, r=20, t=50, b=45),
                      template="plotly_white", legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
                      **kw)
    return fig


def message_figure(text: str, title: str) -> go.Figure:
    """An empty figure that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, font=dict(size=14))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(fig, title, height=200)


def shown_points(x: np.ndarray, limit: int = MAX_SHOWN_POINTS, seed: int = 0) -> np.ndarray:
    """At most `limit` points for display, a seeded random subsample when there are more."""
    if len(x) <= limit:
        return x
    return x[np.random.default_rng(seed).choice(len(x), limit, replace=False)]


def density_1d_figure(axis, density, data, title, true=None, components=None) -> go.Figure:
    """The estimate over the grid, each point's scaled kernel (small data), the true density and a rug."""
    fig = go.Figure()
    if components is not None:
        for i, comp in enumerate(components):
            fig.add_trace(go.Scatter(x=axis, y=comp, mode="lines", line=dict(color=COLOURS["kernel"], width=1),
                                     name="each point's kernel / N", legendgroup="k", showlegend=i == 0, hoverinfo="skip"))
    if true is not None:
        fig.add_trace(go.Scatter(x=axis, y=true, mode="lines", name="true density",
                                 line=dict(color=COLOURS["true"], dash="dash", width=2)))
    fig.add_trace(go.Scatter(x=axis, y=density, mode="lines", name="KDE", fill="tozeroy", line=dict(
        color=COLOURS["estimate"], width=2.5), fillcolor=rgba(COLOURS["estimate"], 0.12)))
    rug = shown_points(np.asarray(data))
    peak = float(max(np.max(density), np.max(true) if true is not None else 0.0, 1e-12))
    fig.add_trace(go.Scatter(x=rug, y=np.full(len(rug), -0.03 * peak), mode="markers", name="data (rug)",
                             marker=dict(symbol="line-ns-open", size=10, color=COLOURS["rug"]), hoverinfo="x"))
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="density", rangemode="tozero")
    return layout(fig, title, uirevision="density-1d")


def density_2d_figure(axes, density, data, title, view="heatmap", true=None) -> go.Figure:
    """Density as a heatmap or filled contours over (x, y), the data, and the true density as lines on top."""
    gx, gy = axes
    z = np.asarray(density, dtype=np.float32).T  # plotly wants (y, x)
    fig = go.Figure()
    if view == "contours":
        fig.add_trace(go.Contour(x=gx, y=gy, z=z, colorscale="Blues", ncontours=14, name="KDE",
                                 colorbar=dict(title="density", thickness=12)))
    else:
        fig.add_trace(go.Heatmap(x=gx, y=gy, z=z, colorscale="Viridis", name="KDE",
                                 colorbar=dict(title="density", thickness=12)))
    pts = shown_points(np.asarray(data))
    fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="data",
                               marker=dict(size=2.5, color="rgba(255,255,255,0.5)" if view == "heatmap" else "rgba(30,30,30,0.5)")))
    if true is not None:
        fig.add_trace(go.Contour(x=gx, y=gy, z=np.asarray(true, dtype=np.float32).T, showscale=False, ncontours=6,
                                 contours=dict(coloring="none"), line=dict(color=COLOURS["true"], dash="dash", width=1.5),
                                 name="true density", showlegend=True))
    fig.update_xaxes(title_text="x₁", range=[gx[0], gx[-1]])
    fig.update_yaxes(title_text="x₂", range=[gy[0], gy[-1]], scaleanchor="x", scaleratio=1)
    return layout(fig, title, height=480, uirevision="density-2d")


def heldout_figure(hs, train_ll, test_ll, h_now, title) -> go.Figure:
    """Mean log-likelihood on the training and held-out points against the bandwidth (log x axis)."""
    best = int(np.argmax(test_ll))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=hs, y=train_ll, mode="lines", name="training points (in-sample)",
                             line=dict(color=COLOURS["train"], dash="dot")))
    fig.add_trace(go.Scatter(x=hs, y=test_ll, mode="lines+markers", name="held-out points",
                             line=dict(color=COLOURS["test"], width=2.5), marker=dict(size=5)))
    fig.add_trace(go.Scatter(x=[hs[best]], y=[test_ll[best]], mode="markers", name=f"best held-out h = {hs[best]:.3g}",
                             marker=dict(size=12, symbol="star", color=PALETTE[1])))
    fig.add_vline(x=h_now, line=dict(color=PALETTE[5], width=2), annotation_text=f"current h = {h_now:.3g}",
                  annotation_position="top left")
    low = float(np.nanmin(test_ll))
    top = float(max(np.nanmax(test_ll), np.nanmax(train_ll)))
    span = max(top - float(test_ll[best]), 1e-3)
    fig.update_yaxes(title_text="mean log-likelihood (nats)", range=[max(low, test_ll[best] - 6 * span) - 0.1 * span, top + 0.2 * span])
    fig.update_xaxes(title_text="bandwidth h (log scale)  ·  ← under-smoothing  |  over-smoothing →", type="log")
    return layout(fig, title, height=360, uirevision="heldout")


def curse_figure(rows, title) -> go.Figure:
    """Estimated KL(p || model) on held-out points against the dimension, for KDE and a Gaussian."""
    dims = [r["dim"] for r in rows]
    fig = go.Figure()
    for key, name, colour, symbol in (("kde", "KDE (Gaussian kernel, CV bandwidth)", COLOURS["estimate"], SYMBOLS[0]),
                                      ("gauss", "fitted Gaussian (full covariance)", COLOURS["gauss"], SYMBOLS[1])):
        fig.add_trace(go.Scatter(x=dims, y=[r[key] for r in rows], mode="lines+markers", name=name,
                                 line=dict(color=colour, width=2.5), marker=dict(symbol=symbol, size=7),
                                 error_y=dict(type="data", array=[2 * r[f"{key}_se"] for r in rows], visible=True)))
    fig.update_xaxes(title_text="dimension d", dtick=1)
    fig.update_yaxes(title_text="KL(p ‖ model), nats (held-out estimate)", rangemode="tozero")
    return layout(fig, title, height=380)


def paths_figure(results, data, title, max_paths: int = 150) -> go.Figure:
    """Side by side: each model's particle paths from noise (grey) to samples (coloured), over the data."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(results), shared_xaxes=True, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[f"{r.name}<br>straightness {r.straightness:.3f}" for r in results])
    for col, r in enumerate(results, start=1):
        shown = r.paths[:, :max_paths]  # (steps + 1, m, 2)
        lines = np.concatenate([shown, np.full((1, shown.shape[1], 2), np.nan)]).transpose(1, 0, 2).reshape(-1, 2)
        first = col == 1
        fig.add_trace(go.Scatter(x=data[:, 0], y=data[:, 1], mode="markers", name="held-out data", showlegend=first,
                                 legendgroup="data", marker=dict(size=3, color="rgba(120,120,120,0.25)")), 1, col)
        fig.add_trace(go.Scatter(x=lines[:, 0], y=lines[:, 1], mode="lines", name="paths", showlegend=first,
                                 legendgroup="paths", line=dict(width=0.8, color="rgba(90,90,90,0.35)"),
                                 hoverinfo="skip"), 1, col)
        fig.add_trace(go.Scatter(x=r.paths[0, :, 0], y=r.paths[0, :, 1], mode="markers", name="noise (start)",
                                 showlegend=first, legendgroup="start",
                                 marker=dict(size=4, symbol="x", color="rgba(60,60,60,0.5)")),
                      1, col)
        # each model's samples: its own colour and shape (SYMBOLS[0], the circle, is the data's)
        fig.add_trace(go.Scatter(x=r.paths[-1, :, 0], y=r.paths[-1, :, 1], mode="markers", name=f"{r.name} samples",
                                 marker=dict(size=4, color=PALETTE[col - 1], symbol=SYMBOLS[col])), 1, col)
    fig.update_yaxes(scaleanchor="x", scaleratio=1, range=[-4, 4])
    fig.update_xaxes(range=[-4, 4])
    fig = layout(fig, title, height=500, uirevision="paths")
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.1, xanchor="center", x=0.5),
                      margin=dict(t=95, b=60))
    return fig


def schedule_figure(alpha_bar, log_snr, t: int, title: str) -> go.Figure:
    """alpha_bar_t and log SNR_t against t, the current t marked."""
    from plotly.subplots import make_subplots

    steps = np.arange(len(alpha_bar))
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=steps, y=alpha_bar, name="alpha_bar (signal kept)", line=dict(color=COLOURS["estimate"])))
    fig.add_trace(go.Scatter(x=steps, y=log_snr, name="log SNR", line=dict(color=COLOURS["true"], dash="dash")),
                  secondary_y=True)
    fig.add_vline(x=t, line=dict(color="#333", width=2), annotation_text=f"t = {t}")
    fig.update_xaxes(title_text="timestep t")
    fig.update_yaxes(title_text="alpha_bar", range=[0, 1.02], secondary_y=False)
    fig.update_yaxes(title_text="log SNR", secondary_y=True)
    return layout(fig, title, height=300)


def points_figure(x0, xt, title: str) -> go.Figure:
    """A 2-D shape before and after noising."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x0[:, 0], y=x0[:, 1], mode="markers", name="x_0 (data)",
                             marker=dict(size=3, color="rgba(120,120,120,0.35)")))
    fig.add_trace(go.Scatter(x=xt[:, 0], y=xt[:, 1], mode="markers", name="x_t",
                             marker=dict(size=3, color=PALETTE[0], symbol=SYMBOLS[1])))
    fig.update_xaxes(range=[-4, 4])
    fig.update_yaxes(range=[-4, 4], scaleanchor="x", scaleratio=1)
    return layout(fig, title, height=420)


def particles_animation(paths, title: str, points=None, scores=None, max_frames: int = 40) -> go.Figure:
    """Particles flowing from noise to data (play button, frame slider), faint paths, optional score arrows."""
    steps = len(paths) - 1
    shown = sorted(set(np.linspace(0, steps, min(max_frames, steps + 1)).round().astype(int)))
    trails = paths[:, :200]
    lines = np.concatenate([trails, np.full((1, trails.shape[1], 2), np.nan)]).transpose(1, 0, 2).reshape(-1, 2)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=lines[:, 0], y=lines[:, 1], mode="lines", name="paths", hoverinfo="skip",
                             line=dict(width=0.7, color="rgba(90,90,90,0.3)")))
    if scores is not None:
        norm = np.linalg.norm(scores, axis=1, keepdims=True)
        tips = points + 0.35 * np.tanh(norm / 3) * scores / np.maximum(norm, 1e-9)  # length saturates
        arrows = np.stack([points, tips, np.full_like(points, np.nan)], 1).reshape(-1, 2)
        fig.add_trace(go.Scatter(x=arrows[:, 0], y=arrows[:, 1], mode="lines", name="learned score at t",
                                 line=dict(width=1.2, color=rgba(PALETTE[5], 0.7)), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=tips[:, 0], y=tips[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(size=3, color=rgba(PALETTE[5], 0.9))))
    fig.add_trace(go.Scatter(x=paths[-1, :, 0], y=paths[-1, :, 1], mode="markers", name="particles",
                             marker=dict(size=4, color=PALETTE[0])))
    moving = len(fig.data) - 1
    fig.frames = [go.Frame(data=[go.Scatter(x=paths[k, :, 0], y=paths[k, :, 1])], traces=[moving], name=str(k))
                  for k in shown]
    fig.update_layout(
        updatemenus=[dict(type="buttons", x=0.0, y=-0.12, xanchor="left", showactive=False, buttons=[
            dict(label="▶ play", method="animate", args=[None, dict(frame=dict(duration=120, redraw=False),
                                                                      fromcurrent=True, transition=dict(duration=0))])])],
        sliders=[dict(x=0.12, y=-0.05, len=0.88, active=len(shown) - 1, currentvalue=dict(prefix="step "), steps=[
            dict(label=str(k), method="animate", args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=False))])
            for k in shown])])
    fig.update_xaxes(range=[-4, 4])
    fig.update_yaxes(range=[-4, 4], scaleanchor="x", scaleratio=1)
    return layout(fig, title, height=560)


def image_grid(x, cols: int = 8, scale: int = 2, gap: int = 1) -> np.ndarray:
    """Images (N, C, H, W) with values in [0, 1] (a tensor or array; C = 1 grey or 3 colour) as one uint8 grid
    picture (rows, cols) or (rows, cols, 3), cols wide, each pixel drawn scale x scale, white gaps between cells."""
    img = (np.clip(np.asarray(x, dtype=np.float32), 0, 1) * 255).round().astype(np.uint8)
    img = img[:, 0] if img.shape[1] == 1 else img.transpose(0, 2, 3, 1)  # (N, H, W) or (N, H, W, 3)
    n, h, w = img.shape[:3]
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    canvas = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, *img.shape[3:]), 255, dtype=np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        canvas[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = img[k]
    return canvas.repeat(scale, 0).repeat(scale, 1)


DIGIT_COLOURS = [*PALETTE[:7], "#7f7f7f", "#8c564b", "#000000"]  # ten classes; each digit also has its own shape


def latent_map_figure(points, labels, title: str, axes=("z1", "z2"), path=None, marker=None) -> go.Figure:
    """Encodings (N, 2) coloured by digit, with an optional path (T, 2) and a marked point (2,)."""
    fig = go.Figure()
    for digit in range(10):
        sel = points[labels == digit]
        fig.add_trace(go.Scattergl(x=sel[:, 0], y=sel[:, 1], mode="markers", name=str(digit),
                                   marker={"size": 4, "color": DIGIT_COLOURS[digit], "symbol": SYMBOLS[digit],
                                           "opacity": 0.6}))
    if path is not None:
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name="interpolation",
                                 line={"color": "black", "width": 3}, marker={"size": 7, "color": "black"}))
    if marker is not None:
        fig.add_trace(go.Scatter(x=[marker[0]], y=[marker[1]], mode="markers", name="decoded point",
                                 marker={"size": 16, "color": PALETTE[5], "symbol": "x",
                                         "line": {"color": "black", "width": 1}}))
    fig.update_xaxes(title_text=axes[0])
    fig.update_yaxes(title_text=axes[1], scaleanchor="x")
    return layout(fig, title, height=480)


def frequency_figure(probs, counts, title: str, names=None) -> go.Figure:
    """True probabilities beside the observed frequencies of the draws, per category."""
    names = names or [str(i) for i in range(len(probs))]
    freq = np.asarray(counts) / max(1, int(np.sum(counts)))
    fig = go.Figure([go.Bar(x=names, y=probs, name="true probability", marker_color=COLOURS["true"]),
                     go.Bar(x=names, y=freq, name="observed frequency", marker_color=COLOURS["estimate"])])
    fig.update_xaxes(title_text="outcome")
    fig.update_yaxes(title_text="probability", rangemode="tozero")
    return layout(fig, title, height=320, barmode="group")


def counts_figure(ns, rows: dict, n_now: int, title: str) -> go.Figure:
    """Parameter counts against the number of binary variables as log10 (counts such as 2^1024 overflow a float),
    one line per assumption."""
    fig = go.Figure()
    for (name, values), colour in zip(rows.items(), [COLOURS["true"], COLOURS["gauss"], COLOURS["estimate"]]):
        digits = [math.log10(v) if v < 10 ** 300 else (len(str(v)) - 1) + math.log10(int(str(v)[:15]) / 1e14)
                  for v in values]
        fig.add_trace(go.Scatter(x=ns, y=digits, mode="lines", name=name, line={"color": colour},
                                 hovertemplate="n = %{x}: 10^%{y:.1f} parameters"))
    fig.add_vline(x=n_now, line={"dash": "dot", "color": "black"})
    fig.update_xaxes(title_text="number of binary variables n")
    fig.update_yaxes(title_text="log10 of the free parameters")
    return layout(fig, title, height=340)


def bar_figure(values, title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[str(i + 1) for i in range(len(values))], y=values, marker_color=COLOURS["estimate"]))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return layout(fig, title, height=320)


def frames_animation(frames, title: str, labels=None) -> go.Figure:
    """Images (T, 1, H, W) in [0, 1] as a plotly animation with a play button and a slider."""
    imgs = np.clip(np.asarray(frames, dtype=np.float32)[:, 0], 0, 1)[:, ::-1]  # heatmap rows go bottom-up
    labels = labels or [f"frame {i + 1}" for i in range(len(imgs))]
    heat = {"colorscale": "gray", "showscale": False, "zmin": 0, "zmax": 1}
    fig = go.Figure(go.Heatmap(z=imgs[0], **heat),
                    frames=[go.Frame(data=[go.Heatmap(z=img, **heat)], name=name) for img, name in zip(imgs, labels)])
    step = {"frame": {"duration": 180, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}
    fig.update_layout(
        updatemenus=[{"type": "buttons", "x": 0.0, "y": -0.08, "xanchor": "left", "buttons": [
            {"label": "▶ play", "method": "animate", "args": [None, dict(step, fromcurrent=True)]}]}],
        sliders=[{"x": 0.15, "len": 0.85, "y": -0.05, "steps": [
            {"label": name, "method": "animate", "args": [[name], step]} for name in labels]}])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return layout(fig, title, height=380)


CUT_GREY = "#b0b0b0"  # tokens removed by top-k / top-p
_SHOWN_WHITESPACE = {"\n": "⏎", " ": "␣", "\t": "⇥", "\r": "\\r"}


def token_label(text: str) -> str:
    """A token's text made visible on an axis: newline as ⏎, space as ␣, other whitespace escaped."""
    shown = "".join(_SHOWN_WHITESPACE.get(c, f"\\u{ord(c):04x}" if c.isspace() else c) for c in text)
    return shown or "∅"


def token_distribution_figure(view: dict, tokenizer, top: int = 30) -> go.Figure:
    """The `top` most probable next tokens: the model's probability (outline) beside the probability after
    temperature / top-k / top-p (solid; cut tokens grey at 0). `view` comes from text_generation.next_token_view."""
    raw, kept, mask = np.asarray(view["raw"]), np.asarray(view["kept"]), np.asarray(view["kept_mask"])
    ids = np.argsort(-raw, kind="stable")[:top]
    labels, seen = [], set()
    for i in ids:  # category labels must be unique: two tokens may look alike (e.g. partial bytes)
        label = token_label(tokenizer.decode([int(i)]))
        labels.append(label if label not in seen else f"{label} #{i}")
        seen.add(label)
    colours = [COLOURS["estimate"] if mask[i] else CUT_GREY for i in ids]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=raw[ids], name="model's probability", marker=dict(
        color=[rgba(COLOURS["estimate"], 0.15) if mask[i] else "rgba(176,176,176,0.25)" for i in ids],
        line=dict(color=colours, width=1.5))))
    fig.add_trace(go.Bar(x=labels, y=kept[ids], name="after temperature / top-k / top-p", marker_color=colours,
                         customdata=["kept" if mask[i] else "cut" for i in ids],
                         hovertemplate="%{x}: %{y:.3f} (%{customdata})<extra></extra>"))
    fig.update_xaxes(type="category", title_text=f"the {len(ids)} most probable next tokens (grey: cut)")
    fig.update_yaxes(title_text="probability", rangemode="tozero")
    title = (f"Next token: entropy {view['entropy_raw_bits']:.2f} bits → {view['entropy_kept_bits']:.2f} bits after "
             f"sampling settings; {view['nucleus_size']} of {len(raw)} tokens can be drawn")
    return layout(fig, title, height=380, barmode="group", bargap=0.25)


def spread_figure(spread, title: str, side: int = 300) -> go.Figure:
    """A per-pixel map (H, W), e.g. the spread of posterior samples, as a heatmap with its colour scale."""
    z = np.asarray(spread, dtype=np.float32)
    fig = go.Figure(go.Heatmap(z=z, colorscale="Viridis", zmin=0, zmax=max(float(z.max()), 1e-6),
                               colorbar=dict(title=dict(text="std"), thickness=12),
                               hovertemplate="row %{y}, column %{x}: %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False)
    fig.update_xaxes(showticklabels=False, constrain="domain")
    layout(fig, title, height=side)
    return fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
