"""Projector mode (`?view=projector`, or the header's toggle): body text of at least 24 px, thicker lines and larger
markers in every plot, secondary settings folded away. The page's CSS lives here too."""
import gradio as gr

CSS = """
.gp-header {display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: 12px;}
.gp-header h1 {margin: 0 0 4px 0; font-size: 1.6rem;}
#home-device, .gp-device {font-size: 0.95rem;}
.gp-hidden {display: none !important;}
.gp-toolbar {align-items: end;}
/* Streamed image grids keep their whole picture inside the box, label or not. */
.gp-frame img {object-fit: contain !important; max-height: 100%; width: auto; margin: auto;}
body.gp-projector, body.gp-projector .gradio-container {
  --text-xxs: 18px; --text-xs: 20px; --text-sm: 22px; --text-md: 24px; --text-lg: 28px; --text-xl: 32px;
  --text-xxl: 36px; --body-text-size: 24px; --prose-text-size: 24px; --block-label-text-size: 22px;
  --block-info-text-size: 20px; --block-title-text-size: 24px; --input-text-size: 24px; --button-large-text-size: 26px;
  --button-small-text-size: 22px; --section-header-text-size: 24px; --checkbox-label-text-size: 22px;
  font-size: 24px;
}
body.gp-projector .prose, body.gp-projector .prose p, body.gp-projector .prose li, body.gp-projector .md p,
body.gp-projector .md li {font-size: 24px !important; line-height: 1.45;}
body.gp-projector .gp-header h1 {font-size: 2.4rem;}
body.gp-projector .gp-secondary {display: none !important;}
"""

# Every half second, each new figure gets its animation frames back, and in projector mode lines x2, markers x1.6
# and larger fonts (plotly's redraw).
_JS = """() => {
  const params = new URLSearchParams(window.location.search);
  const on = params.get("view") === "projector";
  document.body.classList.toggle("gp-projector", on);
  if (!window.__gpProjectorLoop) {
    window.__gpProjectorLoop = setInterval(() => {
      const projector = document.body.classList.contains("gp-projector");
      document.querySelectorAll(".js-plotly-plot").forEach((gd) => {
        const lib = window.Plotly;
        if (!lib || !gd.layout) return;
        const meta = gd.layout.meta;  // an animation's frames (playground.plotting.SlideFigure): added back once
        if (meta && meta.gp_frames && gd.__gpFrames !== meta) {
          gd.__gpFrames = meta;
          lib.deleteFrames(gd);
          lib.addFrames(gd, meta.gp_frames);
        }
        if (!gd.data || gd.__gpScaled === (projector ? gd.data : null)) return;
        if (!projector && !gd.__gpScaled) return;
        const k = projector ? 1 : -1, line = Math.pow(2.0, k), marker = Math.pow(1.6, k);
        gd.data.forEach((t) => {
          const mode = t.mode || (t.type === undefined || t.type === "scatter" ? "lines" : "");
          if (mode.includes("lines") || t.line) t.line = Object.assign({}, t.line, {width: ((t.line && t.line.width) || 2) * line});
          if (mode.includes("markers") && !(t.marker && Array.isArray(t.marker.size)))
            t.marker = Object.assign({}, t.marker, {size: ((t.marker && t.marker.size) || 6) * marker});
        });
        const font = gd.layout.font || {};
        gd.layout.font = Object.assign({}, font, {size: projector ? 22 : undefined});
        gd.__gpScaled = projector ? gd.data : null;
        lib.redraw(gd);
      });
    }, 500);
  }
  return on;
}"""

_TOGGLE_JS = """(on) => {
  document.body.classList.toggle("gp-projector", on);
  const url = new URL(window.location.href);
  if (on) url.searchParams.set("view", "projector"); else url.searchParams.delete("view");
  window.history.replaceState(null, "", url.toString());
  return on;
}"""


def projector_toggle(demo: gr.Blocks):
    """The header's toggle, set from the link on load; it writes `view=projector` into the link."""
    toggle = gr.Checkbox(False, label="Projector view", elem_id="projector-toggle", container=False, scale=0,
                         min_width=180)
    demo.load(None, None, toggle, js=_JS)
    toggle.input(None, toggle, None, js=_TOGGLE_JS)
    return toggle
