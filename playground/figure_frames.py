"""A plotly figure's animation as pictures, frame by frame: the frames laid over the figure as Plotly.animate
plays them, axes fixed over all frames, then per frame the title, legend, subplots (drawn by
playground.rasterize) and footer."""
import base64

import numpy as np
from PIL import Image, ImageDraw

from playground.rasterize import (BOTTOM, FOOTER, GREY, INK, LEFT, LEGEND, RIGHT, TITLE, Axis, draw_grid, draw_marker,
                                  draw_trace, font, heatmap_grid, is_heatmap, parse_colour, plain, stamp_footer,
                                  write_line, xy_values)

# plotly's default trace colours, for a figure whose layout and template name none
PLOTLY_COLOURS = ("#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF",
                  "#FECB52")


def _merge(base: dict, update: dict) -> dict:
    """`update` laid over `base` attribute by attribute, nested dicts merged (plotly's animate semantics)."""
    out = dict(base)
    for key, value in update.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def decode_arrays(value):
    """A figure dict with plotly's typed arrays ({"dtype": "f4", "bdata": base64, "shape": "2, 3"}, as
    plotly.py 6+ writes numpy arrays in to_dict) turned back into numpy arrays, at any depth."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
        return a.reshape([int(s) for s in str(value["shape"]).split(",")]) if value.get("shape") else a
    if isinstance(value, dict):
        return {k: decode_arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_arrays(v) for v in value]
    return value


def frame_states(spec: dict) -> list[tuple[list, dict, str]]:
    """(traces, layout, frame label) per animation frame, each frame laid over the state before it as
    Plotly.animate does: frame.data[i] updates trace frame.traces[i], or trace i. A figure without frames
    is one state; the label is the slider's prefix and the frame's name ('step 12')."""
    spec = decode_arrays(spec)
    traces, lay = [dict(t) for t in spec.get("data") or []], dict(spec.get("layout") or {})
    frames = spec.get("frames") or []
    if not frames:
        return [(traces, lay, "")]
    prefix = ((lay.get("sliders") or [{}])[0].get("currentvalue") or {}).get("prefix", "")
    states = []
    for frame in frames:
        data = frame.get("data") or []
        traces = list(traces)
        for k, update in zip(frame.get("traces") or range(len(data)), data):
            if k < len(traces):
                traces[k] = _merge(traces[k], update)
        lay = _merge(lay, frame.get("layout") or {})
        states.append((traces, lay, "" if frame.get("name") is None else f"{prefix}{frame['name']}"))
    return states


def _axis_key(name: str) -> str:
    return name[0] + "axis" + name[1:]  # "x2" -> "xaxis2"


def _extents(states) -> dict:
    """Per axis name: (lo, hi, padded) over every frame's traces, so that the axes stay put."""
    spans = {}
    for traces, _, _ in states:
        for t in traces:
            names = t.get("xaxis", "x"), t.get("yaxis", "y")
            if is_heatmap(t) and (grid := heatmap_grid(t)):
                pairs = zip(names, grid[1:], (False, False))
            elif t.get("type", "scatter") in ("scatter", "scattergl") and (xy := xy_values(t)):
                pairs = zip(names, xy, (True, True))
            else:
                continue
            for name, values, pad in pairs:
                v = np.asarray(values, dtype=float)
                v = v[np.isfinite(v)]
                if len(v):
                    lo, hi, p = spans.get(name, (np.inf, -np.inf, False))
                    spans[name] = (min(lo, v.min()), max(hi, v.max()), p or pad)
    return spans


def axis_ranges(states, lay: dict) -> dict:
    """Each axis' range in axis units: the layout's if set, else the data's extent over all frames (padded 5%
    for points and lines), reversed for autorange='reversed'; an axis that `matches` another takes its range."""
    ranges = {}
    for name, (lo, hi, pad) in _extents(states).items():
        spec = lay.get(_axis_key(name)) or {}
        if spec.get("type") == "log":
            lo, hi = np.log10(max(lo, 1e-300)), np.log10(max(hi, 1e-300))
        margin = 0.05 * (hi - lo) if pad else 0.0
        lo, hi = (lo - margin, hi + margin) if hi > lo else (lo - 1, hi + 1)
        given = spec.get("range")
        ranges[name] = tuple(given) if given and None not in given else (
            (hi, lo) if spec.get("autorange") == "reversed" else (lo, hi))
    for name in list(ranges):
        match = (lay.get(_axis_key(name)) or {}).get("matches")
        if match in ranges:
            ranges[name] = ranges[match]
    return ranges


def _panel_axes(lay, xname, yname, ranges, area):
    """A subplot's x and y Axis from its domains within `area` (left, top, right, bottom); where an axis has a
    scaleanchor, one data unit is the same number of pixels along both (the box shrinks, centred)."""
    if xname not in ranges or yname not in ranges:
        return None
    left, top, right, bottom = area
    xs, ys = lay.get(_axis_key(xname)) or {}, lay.get(_axis_key(yname)) or {}
    dx, dy = xs.get("domain") or (0, 1), ys.get("domain") or (0, 1)
    left, right = left + dx[0] * (area[2] - area[0]), left + dx[1] * (area[2] - area[0])
    bottom, top = bottom - dy[0] * (area[3] - area[1]), bottom - dy[1] * (area[3] - area[1])
    (xl, xh), (yl, yh) = ranges[xname], ranges[yname]
    if xs.get("scaleanchor") or ys.get("scaleanchor"):
        per_px = max(abs(xh - xl) / (right - left), abs(yh - yl) / (bottom - top))  # data units per pixel
        half_w, half_h = abs(xh - xl) / per_px / 2, abs(yh - yl) / per_px / 2
        cx, cy = (left + right) / 2, (top + bottom) / 2
        left, right, top, bottom = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    return Axis(xl, xh, left, right, xs.get("type") == "log"), Axis(yl, yh, bottom, top, ys.get("type") == "log")


def _colorway(lay: dict) -> tuple:
    """The colours plotly gives traces that name none: the layout's colorway, else its template's."""
    return tuple(lay.get("colorway") or ((lay.get("template") or {}).get("layout") or {}).get("colorway")
                 or PLOTLY_COLOURS)


def _legend(draw, entries: list, width: int, colorway: tuple) -> None:
    """One row below the title: a sample of each entry's marker or line, and its name, while they fit."""
    x, y = LEFT, TITLE + LEGEND / 2
    for index, t in entries:
        mode, marker = t.get("mode") or "lines", t.get("marker") or {}
        line_colour = (t.get("line") or {}).get("color") or colorway[index % len(colorway)]
        colour = marker.get("color", line_colour) if "markers" in mode else line_colour
        if not isinstance(colour, str):  # a colour per point: the first, if they are colours at all
            colour = next(iter(np.ravel(colour)), line_colour)
            colour = colour if isinstance(colour, str) else line_colour
        colour = parse_colour(colour)
        name = plain(t["name"])
        if x + 22 + draw.textlength(name, font=font(11)) > width - RIGHT:
            break
        if "markers" in mode:
            draw_marker(draw, marker.get("symbol", "circle") if isinstance(marker.get("symbol"), str) else "circle",
                        x + 8, y, 4.5, colour[:3] + (max(colour[3], 160),))
        else:
            draw.line([(x, y), (x + 16, y)], fill=colour, width=3)
        draw.text((x + 22, y), name, fill=INK, font=font(11), anchor="lm")
        x += 36 + draw.textlength(name, font=font(11))


def _legend_entries(traces: list) -> list:
    """(index, trace) of the named scatter traces, once per legend group; none for a single trace, as plotly."""
    seen, entries = set(), []
    for index, t in enumerate(traces):
        key = t.get("legendgroup") or t.get("name")
        if t.get("showlegend") is False or not t.get("name") or key in seen or \
                t.get("type", "scatter") not in ("scatter", "scattergl"):
            continue
        seen.add(key)
        entries.append((index, t))
    return entries if len(entries) > 1 else []


def _annotations(draw, lay: dict, area) -> None:
    """Annotations placed on the paper (subplot titles): plain text, anchored as plotly anchors them."""
    for a in lay.get("annotations") or []:
        if a.get("xref") != "paper" or a.get("yref") != "paper" or not a.get("text"):
            continue
        x = area[0] + float(a.get("x", 0.5)) * (area[2] - area[0])
        y = area[3] - float(a.get("y", 0.5)) * (area[3] - area[1])
        anchor = {"left": "l", "right": "r"}.get(a.get("xanchor"), "m") + {"bottom": "d", "top": "a"}.get(
            a.get("yanchor"), "m")
        draw.text((x, y), plain(a["text"]), fill=INK, font=font(11), anchor=anchor)


def draw_figure(traces: list, lay: dict, ranges: dict, size: tuple[int, int], label: str = "",
                footer: str = "") -> Image.Image:
    """One state of a figure as an RGB picture of `size`: title and frame label, legend, each subplot's grid,
    ticks and traces in the fixed `ranges` (from axis_ranges), paper annotations, and the footer."""
    w, h = size
    canvas = Image.new("RGBA", size, (255, 255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    entries = [] if lay.get("showlegend") is False else _legend_entries(traces)
    above = any(a.get("yref") == "paper" and float(a.get("y", 0)) >= 1 for a in lay.get("annotations") or [])
    area = (LEFT, TITLE + (LEGEND if entries else 0) + (18 if above else 4), w - RIGHT, h - FOOTER - BOTTOM)
    label_width = draw.textlength(label, font=font(13)) + 16 if label else 0
    write_line(draw, (10, TITLE / 2), plain((lay.get("title") or {}).get("text")), w - 20 - label_width, 15,
               anchor="lm")
    if label:
        draw.text((w - 10, TITLE / 2), label, fill=GREY, font=font(13), anchor="rm")
    colorway = _colorway(lay)
    _legend(draw, entries, w, colorway)
    panels = {}
    for index, t in enumerate(traces):
        panels.setdefault((t.get("xaxis", "x"), t.get("yaxis", "y")), []).append((index, t))
    for (xname, yname), group in panels.items():
        axes = _panel_axes(lay, xname, yname, ranges, area)
        if axes is not None:
            draw_grid(draw, *axes, lay.get(_axis_key(xname)) or {}, lay.get(_axis_key(yname)) or {})
            for index, t in group:
                draw_trace(canvas, t, *axes, colorway[index % len(colorway)])
    _annotations(draw, lay, area)
    picture = canvas.convert("RGB")
    if footer:
        stamp_footer(picture, footer)
    return picture
