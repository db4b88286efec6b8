"""Handlers of the Flow matching tab: settings already checked by the tab's settings table in; the three models'
paths as a figure and a comparison table out, or, for slides, the particles moving along them as a GIF."""
import tempfile

import plotly.graph_objects as go

from playground import export, plotting
from playground.tasks.flow_paths import compare

GIF_FRAMES = 40  # animation frames of the GIF (the ODE's steps, evenly picked, first and last kept)


def _figure(shape, steps, solver, particles, seed):
    results, data = compare(shape, steps, solver, particles, seed)
    return results, plotting.paths_figure(results, data, f"{shape}: {steps} steps ({solver} for the flows)")


def run(shape, steps, solver, particles, seed):
    """Both models' paths and the figures that compare them."""
    results, fig = _figure(shape, steps, solver, particles, seed)
    rows = [("network evaluations per particle", *(r.evaluations for r in results)),
            ("straightness (1 = straight)", *(f"{r.straightness:.3f}" for r in results)),
            ("sliced Wasserstein to held-out data (lower is better)", *(f"{r.sw_to_data:.3f}" for r in results)),
            ("time", *(f"{r.seconds * 1e3:.0f} ms" for r in results))]
    header = "| | " + " | ".join(r.name for r in results) + " |\n|---|---|---|---|\n"
    return fig, header + "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows)


def gif(shape, steps, solver, particles, seed):
    """The same run as a GIF for slides: every model's samples move from the noise along their paths."""
    results, fig = _figure(shape, steps, solver, particles, seed)
    moving = [i for i, trace in enumerate(fig.data) if str(trace.name).endswith(" samples")]  # one per model
    fig.frames = [go.Frame(data=[go.Scatter(x=r.paths[k, :, 0], y=r.paths[k, :, 1]) for r in results],
                           traces=moving, name=f"step {k}") for k in export.frame_indices(steps + 1, GIF_FRAMES)]
    footer = export.footer_line("Flow matching", shape=shape, steps=steps, solver=solver, particles=particles,
                                seed=seed)
    data = export.figure_gif(fig, footer, size=(960, 480), duration_ms=120)
    return str(export.write_gif(data, f"flow-matching-{shape}-{steps}-steps-{solver}-seed-{seed}",
                                tempfile.mkdtemp(prefix="playground-gif-")))
