"""Flow matching tab: the same noise through flow matching, rectified flow and a diffusion model's
probability-flow ODE, side by side; straight against curved paths; ODE solver and steps."""
import gradio as gr

from playground import plotting
from playground.models.flow_matching import SOLVERS
from playground.registry import SHAPES_2D
from playground.tasks.flow_paths import MAX_PARTICLES, MAX_STEPS, compare
from playground.ui import checks
from playground.ui.urlstate import query_value, sync_url, tab_query

TAB_ID = "flow-matching"
INTRO = """### Flow matching: how straight are the paths from noise to data?
Three models carry the **same Gaussian noise** to the same shape by solving an ODE.
**Flow matching** regresses the velocity of straight lines between noise and data drawn independently;
the lines cross, the learned field averages them, and its paths bend (particles first drift to the
middle). **Rectified flow** retrains it on the pairs it produces itself ("reflow"), which untangles the
crossings: its paths are nearly straight, so even 1 or 2 steps land on the shape. The **diffusion**
model's probability-flow ODE (DDIM, eta = 0) is shown for comparison. Straightness is displacement /
path length (1 = a straight line)."""
DEFAULTS = dict(shape="moons", steps=8, solver="euler", n=1000, seed=0)


def run(shape, steps, solver, particles, seed):
    """Both models' paths and the figures that compare them (settings checked by the widgets)."""
    results, data = compare(shape, steps, solver, particles, checks.seed(seed))
    fig = plotting.paths_figure(results, data, f"{shape}: {steps} steps ({solver} for the flows)")
    rows = [("network evaluations per particle", *(r.evaluations for r in results)),
            ("straightness (1 = straight)", *(f"{r.straightness:.3f}" for r in results)),
            ("sliced Wasserstein to held-out data (lower is better)", *(f"{r.sw_to_data:.3f}" for r in results)),
            ("time", *(f"{r.seconds * 1e3:.0f} ms" for r in results))]
    header = "| | " + " | ".join(r.name for r in results) + " |\n|---|---|---|---|\n"
    return fig, header + "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows)


def build_tab(demo: gr.Blocks) -> None:
    with gr.Tab("Flow matching", id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                shape = checks.Dropdown(SHAPES_2D, value=DEFAULTS["shape"], label="Shape")
                steps = checks.Slider(1, MAX_STEPS, value=DEFAULTS["steps"], step=1, label="ODE steps")
                solver = checks.Radio(list(SOLVERS), value=DEFAULTS["solver"], label="ODE solver (for the two flows)")
                particles = checks.Slider(10, MAX_PARTICLES, value=DEFAULTS["n"], step=10, label="Particles")
                seed = checks.Number(DEFAULTS["seed"], label="Seed", precision=0)
                button = gr.Button("Run the three ODEs", variant="primary")
            with gr.Column(scale=3):
                plot = gr.Plot(label="Paths from noise to data", elem_id="flow-plot")
                table = gr.Markdown(elem_id="flow-table")
    settings = [shape, steps, solver, particles, seed]
    gr.on([button.click] + [c.input for c in settings], run, settings, [plot, table], api_name="flow_matching",
          trigger_mode="always_last", concurrency_id="compute")
    tab.select(_run_unless_linked, settings, [plot, table], api_visibility="private", trigger_mode="always_last",
               concurrency_id="compute")
    sync_url(tab, TAB_ID, dict(zip(DEFAULTS, settings)))
    demo.load(_restore, None, settings, api_visibility="private").then(
        _run_if_linked, settings, [plot, table], api_visibility="private", concurrency_id="compute")


def _restore(request: gr.Request):
    q = tab_query(request, TAB_ID)
    return (query_value(q, "shape", DEFAULTS["shape"], choices=SHAPES_2D),
            query_value(q, "steps", DEFAULTS["steps"], int, bounds=(1, MAX_STEPS)),
            query_value(q, "solver", DEFAULTS["solver"], choices=SOLVERS),
            query_value(q, "n", DEFAULTS["n"], int, bounds=(10, MAX_PARTICLES)), query_value(q, "seed", 0, int))


def _run_unless_linked(shape, steps, solver, particles, seed, request: gr.Request):
    """Opening the tab draws its settings; a link to this tab selects it too, maybe before the link's settings are
    in the widgets, so `_run_if_linked` draws that one (else the defaults' picture could arrive last)."""
    if tab_query(request, TAB_ID):
        return gr.skip(), gr.skip()
    return run(shape, steps, solver, particles, seed)


def _run_if_linked(shape, steps, solver, particles, seed, request: gr.Request):
    """A link to this tab draws at once; otherwise nothing runs until the tab is opened."""
    if query_value(request.query_params if request else None, "tab", "") != TAB_ID:
        return gr.skip(), gr.skip()
    return run(shape, steps, solver, particles, seed)
