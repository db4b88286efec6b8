"""Clicks on a plot as an event: `gr.Plot` has none, so a small bridge turns a plotly click into two number boxes
(the data coordinates under the mouse) and a hidden button press that the tab listens to."""
from dataclasses import dataclass

import gradio as gr

from playground.ui import checks

LIMIT = 1e6  # a click's coordinates are data coordinates; anything beyond this is not from a plot of ours

_BRIDGE_JS = """() => {
  const id = %(id)s;
  window.__gpClicks = window.__gpClicks || {};
  window.__gpClickBridges = window.__gpClickBridges || {};
  if (window.__gpClickBridges[id]) return;
  window.__gpClickBridges[id] = true;
  let down = null;  // a drag (zoom, pan) is not a click
  const area = () => document.querySelector("#" + id + " .js-plotly-plot .nsewdrag");
  document.addEventListener("mousedown", (ev) => { down = [ev.clientX, ev.clientY]; }, true);
  document.addEventListener("click", (ev) => {
    const drag = area(), gd = document.querySelector("#" + id + " .js-plotly-plot");
    if (!drag || !gd || !gd._fullLayout || (ev.target.closest && ev.target.closest(".modebar"))) return;
    const r = drag.getBoundingClientRect();
    if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) return;
    if (down && Math.hypot(ev.clientX - down[0], ev.clientY - down[1]) > 4) return;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    window.__gpClicks[id] = {x: xa.p2d(ev.clientX - r.left), y: ya ? ya.p2d(ev.clientY - r.top) : 0};
    const button = document.querySelector("#" + id + "-click");
    if (button) button.click();
  }, true);
}"""
_READ_JS = """(x, y) => { const c = (window.__gpClicks || {})[%(id)s]; return c ? [c.x, c.y] : [x, y]; }"""


@dataclass
class PlotClicks:
    """What a tab wires: `event` fires on each click; `xy` are the clicked point's data coordinates (y is 0 on a
    1-D plot's baseline when the plot has no y)."""
    event: object
    xy: list


def plot_clicks(plot: gr.Plot, elem_id: str, label: str) -> PlotClicks:
    """The bridge for `plot` (whose elem_id is `elem_id`); call inside the layout, right after the plot."""
    quoted = f'"{elem_id}"'
    with gr.Row(elem_classes=["gp-hidden"]):
        x = checks.Number(0.0, label=f"{label} x", minimum=-LIMIT, maximum=LIMIT, step=0.001,
                          elem_id=f"{elem_id}-x")
        y = checks.Number(0.0, label=f"{label} y", minimum=-LIMIT, maximum=LIMIT, step=0.001,
                          elem_id=f"{elem_id}-y")
        button = gr.Button(f"{label}", elem_id=f"{elem_id}-click")
    plot.change(None, None, None, js=_BRIDGE_JS % {"id": quoted})
    return PlotClicks(event=_ClickEvent(button, _READ_JS % {"id": quoted}), xy=[x, y])


class _ClickEvent:
    """`clicks.event(fn, inputs, outputs, ...)`: like `button.click`, with the inputs read from the last click."""

    def __init__(self, button, js: str):
        self.button, self.js = button, js

    def __call__(self, fn, inputs, outputs, **kwargs):
        # The read JS fills the last two inputs (x, y); the others pass through unchanged.
        n = len(inputs)
        js = f"(...a) => {{ const xy = ({self.js})(a[{n - 2}], a[{n - 1}]); return [...a.slice(0, {n - 2}), ...xy]; }}"
        return self.button.click(fn, inputs, outputs, js=js, **kwargs)
