"""Plotly traces drawn without a browser, with numpy and PIL: scatter markers (circle, square, diamond,
triangles, x, cross, star, ...) and lines, heatmaps and filled contours through their colour scales, grid and
tick labels, text. Enough for slides of the app's figures (see figure_frames), not a plotly replacement."""
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

FOOTER, TITLE, LEGEND = 22, 30, 20  # band heights in pixels
LEFT, RIGHT, BOTTOM = 52, 16, 20  # room for the y tick labels, the right edge, the x tick labels
INK, GREY, GRID = (40, 40, 40), (110, 110, 110), (228, 228, 228)
VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]
NAMED_SCALES = {"viridis": VIRIDIS, "gray": ["#000000", "#ffffff"], "grey": ["#000000", "#ffffff"],
                "greys": ["#ffffff", "#000000"]}  # plotly itself writes a named scale out as a list of stops


def _polygon(*corners) -> np.ndarray:
    return np.array(corners, dtype=float)


def _regular(k: int, radius: float = 1.1, turn: float = 0.0) -> np.ndarray:
    a = np.pi * (2 * np.arange(k) / k - 0.5) + turn
    return radius * np.stack([np.cos(a), np.sin(a)], 1)


_CROSS = _polygon((-.35, -1), (.35, -1), (.35, -.35), (1, -.35), (1, .35), (.35, .35), (.35, 1), (-.35, 1),
                  (-.35, .35), (-1, .35), (-1, -.35), (-.35, -.35))
_STAR = _regular(10, 1.3) * np.where(np.arange(10) % 2, 0.42, 1.0)[:, None]
# Unit marker outlines, y pointing down (pixels); a marker of plotly size s is drawn at radius s / 2.
SHAPES = {"square": _polygon((-.9, -.9), (.9, -.9), (.9, .9), (-.9, .9)),
          "diamond": _polygon((0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)),
          "triangle-up": _polygon((0, -1.2), (1.1, .75), (-1.1, .75)),
          "triangle-down": _polygon((0, 1.2), (1.1, -.75), (-1.1, -.75)),
          "cross": _CROSS, "x": _CROSS @ (np.array([[1, 1], [-1, 1]]) / np.sqrt(2)) * 1.2,
          "star": _STAR, "pentagon": _regular(5), "hexagon": _regular(6, turn=np.pi / 6)}


@lru_cache(maxsize=4096)
def parse_colour(colour: str) -> tuple[int, int, int, int]:
    """A plotly colour ('#rrggbb', 'rgb(r, g, b)', 'rgba(r, g, b, 0.5)', a CSS name) as RGBA in 0-255."""
    text = str(colour).strip().lower()
    if m := re.fullmatch(r"rgba?\(([^)]*)\)", text):
        parts = [float(p) for p in m.group(1).split(",")]
        return (*(int(round(p)) for p in parts[:3]), int(round(255 * (parts[3] if len(parts) > 3 else 1.0))))
    rgb = ImageColor.getrgb(text)
    return rgb if len(rgb) == 4 else (*rgb, 255)


def colour_ramp(scale, reverse: bool = False) -> np.ndarray:
    """A plotly colour scale (a list of [position, colour] stops, or a name such as 'Viridis') as a (256, 4)
    uint8 lookup table; anything unknown is Viridis."""
    if not scale or isinstance(scale, str):
        colours = NAMED_SCALES.get(str(scale).lower(), VIRIDIS)
        scale = list(zip(np.linspace(0, 1, len(colours)), colours))
    stops = np.array([float(p) for p, _ in scale])
    rgba = np.array([parse_colour(c) for _, c in scale], dtype=float)  # (stops, 4)
    t = np.linspace(0, 1, 256)
    lut = np.stack([np.interp(t, stops, rgba[:, k]) for k in range(4)], 1).round().astype(np.uint8)
    return lut[::-1] if reverse else lut


def _colour_values(values, scale, cmin=None, cmax=None, reverse=False) -> np.ndarray:
    """Numbers mapped through a colour scale, (..., 4) uint8; NaN is transparent, as in plotly."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    lo = float(np.min(v[finite])) if cmin is None and finite.any() else float(cmin or 0)
    hi = float(np.max(v[finite])) if cmax is None and finite.any() else float(1 if cmax is None else cmax)
    t = np.clip((np.where(finite, v, lo) - lo) / max(hi - lo, 1e-12), 0, 1)
    out = colour_ramp(scale, reverse)[np.round(t * 255).astype(int)]
    out[~finite] = 0
    return out


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.ImageFont:
    """DejaVu Sans where the system has it (wide Unicode cover: ·, σ, ₁, →), else PIL's own font."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def plain(text) -> str:
    """Plotly rich text as one plain line: <br> and other tags become spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(text or ""))).strip()


def write_line(draw: ImageDraw.ImageDraw, xy, text: str, width: float, size: int = 13, fill=INK, anchor="la"):
    """Text on one line within `width` pixels: a smaller font first, then cut with an ellipsis."""
    for s in range(size, 8, -1):
        if draw.textlength(text, font=font(s)) <= width:
            return draw.text(xy, text, fill=fill, font=font(s), anchor=anchor)
    while text and draw.textlength(text + "…", font=font(9)) > width:
        text = text[:-1]
    draw.text(xy, text + "…", fill=fill, font=font(9), anchor=anchor)


def stamp_footer(canvas: Image.Image, footer: str) -> None:
    """The footer line in a light band along the bottom FOOTER pixels of `canvas`."""
    draw = ImageDraw.Draw(canvas)
    w, h = canvas.size
    draw.rectangle([0, h - FOOTER, w, h], fill=(245, 245, 245))
    draw.line([0, h - FOOTER, w, h - FOOTER], fill=GRID)
    write_line(draw, (8, h - FOOTER / 2), footer, w - 16, 12, GREY, "lm")


@dataclass
class Axis:
    """A linear (or log10) map from data to pixels: range (lo, hi) in axis units lands on pixels (p0, p1)."""
    lo: float
    hi: float
    p0: float
    p1: float
    log: bool = False

    def to_px(self, v) -> np.ndarray:
        u = np.asarray(v, dtype=float)
        if self.log:
            u = np.log10(np.where(u > 0, u, np.nan))
        return self.p0 + (u - self.lo) / (self.hi - self.lo) * (self.p1 - self.p0)

    def from_px(self, p) -> np.ndarray:
        u = self.lo + (np.asarray(p, dtype=float) - self.p0) / (self.p1 - self.p0) * (self.hi - self.lo)
        return 10 ** u if self.log else u


def _numbers(values):
    """A trace coordinate as floats, or None where it is not numeric (categories, dates)."""
    try:
        return None if values is None else np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return None


def xy_values(trace):
    """A scatter trace's numeric (x, y), a missing one counted 0, 1, ... as plotly does; None if not numeric."""
    x, y = _numbers(trace.get("x")), _numbers(trace.get("y"))
    if (x is None and y is None) or (x is None and "x" in trace) or (y is None and "y" in trace):
        return None
    x = np.arange(len(y), dtype=float) if x is None else x
    y = np.arange(len(x), dtype=float) if y is None else y
    n = min(len(x), len(y))
    return x[:n], y[:n]


def heatmap_grid(trace):
    """z (ny, nx) and the outer cell edges along x and y; coordinates given as centres (or edges), else 0, 1, ..."""
    z = np.asarray(trace.get("z"), dtype=float)
    if z.ndim != 2 or z.size == 0:
        return None
    edges = []
    for key, n in (("x", z.shape[1]), ("y", z.shape[0])):
        c = _numbers(trace.get(key))
        if c is None or len(c) not in (n, n + 1):
            c = float(trace.get(f"{key}0", 0)) + float(trace.get(f"d{key}", 1)) * np.arange(n)
        half = (c[-1] - c[0]) / (2 * (len(c) - 1)) if len(c) > 1 else 0.5
        edges.append((c[0], c[-1]) if len(c) == n + 1 else (c[0] - half, c[-1] + half))
    return z, edges[0], edges[1]


def is_heatmap(trace) -> bool:
    """Heatmaps, and filled contours drawn as heatmaps (contour lines alone are not drawn)."""
    kind = trace.get("type", "scatter")
    return kind == "heatmap" or kind == "contour" and (trace.get("contours") or {}).get("coloring") != "none"


def _ticks(lo: float, hi: float, count: int, log: bool) -> np.ndarray:
    """Round tick values between lo and hi (axis units), about `count` of them: steps of 1, 2 or 5 x 10^k."""
    a, b = sorted((lo, hi))
    raw = (b - a) / count
    mag = 10 ** np.floor(np.log10(raw))
    step = mag * next(m for m in (1, 2, 5, 10) if raw <= m * mag * (1 + 1e-9))
    step = max(step, 1.0) if log else step  # a log axis ticks at powers of ten
    ticks = np.arange(np.ceil(a / step) * step, b + step * 1e-9, step)
    return np.where(np.abs(ticks) < step * 1e-9, 0.0, ticks)


def draw_grid(draw, xa: Axis, ya: Axis, xspec: dict, yspec: dict) -> None:
    """Light grid lines and tick labels, as plotly_white draws them; none for a hidden axis (its layout spec
    has visible=False)."""
    for axis, other, spec, horizontal in ((xa, ya, xspec, True), (ya, xa, yspec, False)):
        if spec.get("visible") is False:
            continue
        for t in _ticks(axis.lo, axis.hi, 5 if horizontal else 4, axis.log):
            p = axis.p0 + (t - axis.lo) / (axis.hi - axis.lo) * (axis.p1 - axis.p0)
            label = f"{10 ** t:g}" if axis.log else f"{t:.6g}"
            if horizontal:
                draw.line([(p, other.p1), (p, other.p0)], fill=GRID)
                if spec.get("showticklabels") is not False:
                    draw.text((p, other.p0 + 3), label, fill=GREY, font=font(11), anchor="ma")
            else:
                draw.line([(other.p0, p), (other.p1, p)], fill=GRID)
                if spec.get("showticklabels") is not False:
                    draw.text((other.p0 - 4, p), label, fill=GREY, font=font(11), anchor="rm")


def _runs(px: np.ndarray, py: np.ndarray):
    """Polylines between the gaps (NaN) of a line trace, as lists of (x, y) pixels."""
    ok = np.isfinite(px) & np.isfinite(py)
    for run in np.split(np.arange(len(px)), np.flatnonzero(~ok)):
        run = run[ok[run]]
        if len(run) > 1:
            yield list(zip(np.clip(px[run], -1e5, 1e5), np.clip(py[run], -1e5, 1e5)))


def _marker_colours(marker: dict, n: int, default: str) -> np.ndarray:
    """(n, 4) RGBA: one colour, a colour per point, or numbers through the marker's colour scale; x opacity."""
    colour = marker.get("color", default)
    if isinstance(colour, str):
        rgba = np.tile(np.array(parse_colour(colour), dtype=float), (n, 1))
    else:
        values = np.asarray(colour).ravel()
        rgba = (_colour_values(values, marker.get("colorscale"), marker.get("cmin"), marker.get("cmax"),
                               marker.get("reversescale", False)) if values.dtype.kind in "fiu"
                else np.array([parse_colour(c) for c in values])).astype(float)
        rgba = np.resize(rgba, (n, 4))
    rgba[:, 3] *= np.resize(np.asarray(marker.get("opacity", 1.0), dtype=float), n)
    return rgba.round().astype(int)


def draw_marker(draw, symbol: str, x: float, y: float, r: float, fill, edge=None, edge_width: int = 1) -> None:
    """One plotly marker of radius r at pixel (x, y); '-open' symbols are outlines; unknown ones are circles."""
    name = str(symbol).removesuffix("-open")
    hollow = name != str(symbol) or name.startswith("line-")
    outline, width = (fill, max(1, edge_width)) if hollow else (edge, edge_width)
    r = max(r, 1.0)
    if name.startswith("line-"):
        draw.line([(x, y - r), (x, y + r)] if name == "line-ns" else [(x - r, y), (x + r, y)], fill=fill, width=width)
    elif name in SHAPES:
        draw.polygon([tuple(p) for p in SHAPES[name] * r + (x, y)], fill=None if hollow else fill,
                     outline=outline, width=width if outline else 0)
    else:
        draw.ellipse([x - r, y - r, x + r, y + r], fill=None if hollow else fill, outline=outline,
                     width=width if outline else 0)


def _draw_scatter(draw, trace: dict, xa: Axis, ya: Axis, default: str) -> None:
    """A fill to y = 0, lines (solid; gaps at NaN) and markers, in plotly's default mode when none is given."""
    xy = xy_values(trace)
    if xy is None or not len(xy[0]):
        return
    px, py = xa.to_px(xy[0]), ya.to_px(xy[1])
    mode = trace.get("mode") or ("lines+markers" if len(px) < 20 else "lines")
    line = trace.get("line") or {}
    ok = np.isfinite(px) & np.isfinite(py)
    if trace.get("fill") == "tozeroy" and ok.sum() > 1:
        base = float(ya.to_px(1.0 if ya.log else 0.0))
        fill = parse_colour(trace["fillcolor"]) if trace.get("fillcolor") else \
            parse_colour(line.get("color") or default)[:3] + (128,)  # plotly's default: the line, half clear
        draw.polygon([(px[ok][0], base), *zip(px[ok], py[ok]), (px[ok][-1], base)], fill=fill)
    if "lines" in mode:
        colour, width = parse_colour(line.get("color") or default), max(1, round(line.get("width", 2)))
        for run in _runs(px, py):
            draw.line(run, fill=colour, width=width, joint="curve" if width > 2 else None)
    if "markers" in mode:
        marker = trace.get("marker") or {}
        rgba = _marker_colours(marker, len(px), line.get("color") or default)  # plotly: markers take the line's
        sizes = np.resize(np.asarray(marker.get("size", 6), dtype=float), len(px))
        symbols = np.resize(np.asarray(marker.get("symbol", "circle"), dtype=object), len(px))
        edge = marker.get("line") or {}
        edge_colour = parse_colour(edge["color"]) if isinstance(edge.get("color"), str) else None
        edge_width = round(edge.get("width", 1)) if edge_colour else 0
        for k in np.flatnonzero(ok):
            draw_marker(draw, symbols[k], px[k], py[k], sizes[k] / 2, tuple(rgba[k]), edge_colour, edge_width)


def _heatmap_layer(trace: dict, xa: Axis, ya: Axis, box) -> Image.Image | None:
    """The heatmap over the pixel box: each pixel takes the colour of the cell its centre falls in."""
    grid = heatmap_grid(trace)
    if grid is None:
        return None
    z, (x0, x1), (y0, y1) = grid
    ny, nx = z.shape
    u, v = xa.from_px(np.arange(box[0], box[2]) + 0.5), ya.from_px(np.arange(box[1], box[3]) + 0.5)
    j = np.floor(np.nan_to_num((u - x0) / (x1 - x0) * nx, nan=-1)).astype(int)
    i = np.floor(np.nan_to_num((v - y0) / (y1 - y0) * ny, nan=-1)).astype(int)
    rgba = _colour_values(z, trace.get("colorscale"), trace.get("zmin"), trace.get("zmax"),
                          trace.get("reversescale", False))  # (ny, nx, 4)
    out = np.zeros((len(v), len(u), 4), dtype=np.uint8)
    rows, cols = (i >= 0) & (i < ny), (j >= 0) & (j < nx)
    out[np.ix_(rows, cols)] = rgba[np.ix_(i[rows], j[cols])]
    return Image.fromarray(out, "RGBA")


def draw_trace(canvas: Image.Image, trace: dict, xa: Axis, ya: Axis, default: str) -> None:
    """One trace composited onto the canvas, clipped to its subplot's box; `default` colours what the trace
    leaves uncoloured (plotly takes it from the colorway)."""
    box = tuple(int(round(p)) for p in (xa.p0, ya.p1, xa.p1, ya.p0))  # left, top, right, bottom
    if trace.get("visible") in (False, "legendonly") or box[2] <= box[0] or box[3] <= box[1]:
        return
    if is_heatmap(trace):
        layer = _heatmap_layer(trace, xa, ya, box)
    elif trace.get("type", "scatter") in ("scatter", "scattergl"):
        layer = Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), (0, 0, 0, 0))
        local = replace(xa, p0=xa.p0 - box[0], p1=xa.p1 - box[0]), replace(ya, p0=ya.p0 - box[1], p1=ya.p1 - box[1])
        _draw_scatter(ImageDraw.Draw(layer), trace, *local, default)
    else:
        return
    if layer is not None:
        if trace.get("opacity", 1) < 1:
            layer.putalpha(layer.getchannel("A").point(lambda a: round(a * trace["opacity"])))
        canvas.alpha_composite(layer, dest=box[:2])
