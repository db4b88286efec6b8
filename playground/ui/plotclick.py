"""Clicks on a plot as an event: `gr.Plot` has none, so a small bridge turns a plotly click into two number boxes
(the data coordinates under the mouse) and a hidden button press that the tab listens to."""
from dataclasses import dataclass

import gradio as gr

from playground.ui import checks

LIMIT = 1e6  # a click's coordinates are data coordinates; anything beyond this is not from a plot of ours

_BRIDGE_JS = """() => {
  const id = %(id)s;
  window.__gpClicks = window.__gpClicks || {};
  if (window.__gpClickBridges && window.__gpClickBridges[id]) return;
  (window.__gpClickBridges = window.__gpClickBridges || {})[id] = true;
  const bind = () => {
    const gd = document.querySelector("#" + id + " .js-plotly-plot");
    if (!gd || gd.__gpClickBound || !gd.on) return;
    gd.__gpClickBound = true;
    gd.on("plotly_click", (ev) => {
      const fl = gd._fullLayout, area = gd.querySelector(".nsewdrag");
      let x = ev.points && ev.points[0] ? ev.points[0].x : null, y = ev.points && ev.points[0] ? ev.points[0].y : null;
      if (area && ev.event && fl.xaxis && fl.xaxis.p2d) {  // the point under the mouse, not the nearest datum
        const r = area.getBoundingClientRect();
        x = fl.xaxis.p2d(ev.event.clientX - r.left);
        if (fl.yaxis && fl.yaxis.p2d) y = fl.yaxis.p2d(ev.event.clientY - r.top);
      }
      window.__gpClicks[id] = {x: Number(x), y: Number(y)};
      const button = document.querySelector("#" + id + "-click");
      if (button) button.click();
    });
  };
  setInterval(bind, 400);
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
        x = checks.Number(0.0, label=f"{label} x", minimum=-LIMIT, maximum=LIMIT, elem_id=f"{elem_id}-x")
        y = checks.Number(0.0, label=f"{label} y", minimum=-LIMIT, maximum=LIMIT, elem_id=f"{elem_id}-y")
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
